//! Events the SDKs record, validated at the call site so a bad call fails loudly and nothing
//! invalid ever reaches the queue. The types and rules are `vigil-protocol`'s; the clock is ours.

pub use vigil_protocol::device::DeviceId;
pub use vigil_protocol::event::{new_event_id, Event};
pub use vigil_protocol::event_kind::{ChallengeResult, EventKind, RESERVED_PREFIX};
pub use vigil_protocol::ip::parse_ip;
pub use vigil_protocol::limits::{
    MAX_EVENT_NAME_BYTES, MAX_PROPERTIES, MAX_PROPERTY_KEY_BYTES, MAX_PROPERTY_VALUE_BYTES,
    MAX_REQUEST_FIELD_BYTES,
};
pub use vigil_protocol::properties::{Properties, PropertyValue};
pub use vigil_protocol::request::RequestContext;
pub use vigil_protocol::timestamp::check_timestamp;

pub use crate::clock::now_ms;
