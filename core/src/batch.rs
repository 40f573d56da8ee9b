//! Cutting the queue into batches of at most N events and B bytes, ready to send.

use bytes::Bytes;
use crossbeam_queue::ArrayQueue;

use crate::event::{new_event_id, Event};
use crate::wire::{encode_event, gzip, SdkInfo};

/// One batch: its events (kept so a 413 can split it) and its encoded body.
pub struct Batch {
    /// The `Idempotency-Key`: the same for every retry of this exact batch.
    pub key: uuid::Uuid,
    pub events: Vec<Event>,
    pub body: Bytes,
    pub gzipped: bool,
}

pub struct Limits {
    pub max_events: usize,
    pub max_bytes: usize,
    pub gzip: bool,
}

impl Batch {
    /// Takes the next batch from `carry` and `queue`; `None` when both are empty. An event that
    /// would push the batch over `max_bytes` waits in `carry` for the next batch.
    pub fn take(
        queue: &ArrayQueue<Event>,
        carry: &mut Option<Event>,
        sdk: &SdkInfo,
        limits: &Limits,
    ) -> Option<Batch> {
        let mut body = open(sdk);
        let mut events = Vec::new();
        while events.len() < limits.max_events {
            let Some(mut event) = carry.take().or_else(|| queue.pop()) else {
                break;
            };
            event.id.get_or_insert_with(|| new_event_id(event.ts_ms));
            let mark = body.len();
            if !events.is_empty() {
                body.push(b',');
            }
            encode_event(&event, &mut body);
            if body.len() + 2 > limits.max_bytes && !events.is_empty() {
                body.truncate(mark);
                *carry = Some(event);
                break;
            }
            events.push(event);
        }
        if events.is_empty() {
            return None;
        }
        Some(Batch::seal(events, body, limits.gzip))
    }

    /// Builds a batch from events already stamped with ids, encoding them afresh.
    pub fn from_events(events: Vec<Event>, sdk: &SdkInfo, gzip: bool) -> Batch {
        let mut body = open(sdk);
        for (i, e) in events.iter().enumerate() {
            if i > 0 {
                body.push(b',');
            }
            encode_event(e, &mut body);
        }
        Batch::seal(events, body, gzip)
    }

    /// Two halves with fresh idempotency keys (each half is a new batch to the server).
    pub fn split(mut self, sdk: &SdkInfo) -> (Batch, Batch) {
        let second = self.events.split_off(self.events.len() / 2);
        (
            Batch::from_events(self.events, sdk, self.gzipped),
            Batch::from_events(second, sdk, self.gzipped),
        )
    }

    fn seal(events: Vec<Event>, mut body: Vec<u8>, use_gzip: bool) -> Batch {
        body.extend_from_slice(b"]}");
        let body = if use_gzip { gzip(&body) } else { body };
        Batch {
            key: uuid::Uuid::now_v7(),
            events,
            body: Bytes::from(body),
            gzipped: use_gzip,
        }
    }
}

fn open(sdk: &SdkInfo) -> Vec<u8> {
    let mut body = Vec::with_capacity(16 * 1024);
    body.extend_from_slice(b"{\"sdk\":");
    serde_json::to_writer(&mut body, sdk).expect("writing JSON to a Vec cannot fail");
    body.extend_from_slice(b",\"events\":[");
    body
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{EventKind, Properties};
    use crate::identity::Identity;

    fn event(i: usize) -> Event {
        Event {
            id: None,
            ts_ms: 1_700_000_000_000,
            kind: EventKind::Signup,
            user: Some(Identity::new(&[("uid", i.to_string())], None).unwrap()),
            request: None,
            properties: Properties::new(),
        }
    }

    fn sdk() -> SdkInfo {
        SdkInfo {
            name: "t".into(),
            version: "0".into(),
            instance: "i".into(),
            lang: "rust".into(),
        }
    }

    #[test]
    fn cuts_by_count_and_bytes() {
        let q = ArrayQueue::new(100);
        for i in 0..25 {
            q.push(event(i)).unwrap();
        }
        let mut carry = None;
        let limits = Limits {
            max_events: 10,
            max_bytes: 1 << 20,
            gzip: false,
        };
        let b = Batch::take(&q, &mut carry, &sdk(), &limits).unwrap();
        assert_eq!(b.events.len(), 10);
        let v: serde_json::Value = serde_json::from_slice(&b.body).unwrap();
        assert_eq!(v["events"].as_array().unwrap().len(), 10);

        let small = Limits {
            max_events: 10,
            max_bytes: 1200,
            gzip: false,
        };
        let b = Batch::take(&q, &mut carry, &sdk(), &small).unwrap();
        assert!(b.body.len() <= 1200, "{}", b.body.len());
        assert!(b.events.len() < 10 && carry.is_some());
        let v: serde_json::Value = serde_json::from_slice(&b.body).unwrap();
        assert_eq!(v["events"].as_array().unwrap().len(), b.events.len());
    }

    #[test]
    fn split_halves_with_new_keys() {
        let b = Batch::from_events((0..5).map(event).collect(), &sdk(), true);
        let key = b.key;
        let (x, y) = b.split(&sdk());
        assert_eq!((x.events.len(), y.events.len()), (2, 3));
        assert!(x.key != key && y.key != key && x.key != y.key);
        assert!(x.gzipped);
    }
}
