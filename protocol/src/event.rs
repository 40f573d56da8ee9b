//! One event as an SDK records and sends it.

use crate::event_kind::EventKind;
use crate::identity::Identity;
use crate::properties::Properties;
use crate::request::RequestContext;

/// One recorded event, ready to queue.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Stamped by the worker when the event joins a batch (off the request path), then kept
    /// through retries so the server can deduplicate.
    pub id: Option<uuid::Uuid>,
    /// Unix time in milliseconds.
    pub ts_ms: i64,
    pub kind: EventKind,
    pub user: Option<Identity>,
    pub request: Option<RequestContext>,
    pub properties: Properties,
}

/// A UUIDv7 for an event at `ts_ms`: time-ordered, so the server's index stays append-mostly.
pub fn new_event_id(ts_ms: i64) -> uuid::Uuid {
    let random: [u8; 10] = rand::random();
    uuid::Builder::from_unix_timestamp_millis(ts_ms.max(0) as u64, &random).into_uuid()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_ids_are_uuid_v7() {
        let id = new_event_id(1_700_000_000_000);
        assert_eq!(id.get_version_num(), 7);
    }
}
