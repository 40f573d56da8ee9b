//! `vigil-protocol`: what every Vigil SDK and the server agree on, and nothing that does I/O.
//!
//! The wire types and their JSON (docs/protocol.md), the kinds of event, the limits, the
//! identity rules and the user key (docs/identity.md), pseudonymization, timestamps and IP
//! addresses as the wire spells them, and the error codes every SDK reports. `vigil-core`
//! re-exports all of it under its old paths; `vigil-engine` and `vigil-server` use it directly.

pub mod device;
pub mod error;
pub mod event;
pub mod event_kind;
pub mod identity;
pub mod ip;
pub mod limits;
mod normalize;
pub mod properties;
pub mod pseudonym;
pub mod request;
pub mod timestamp;
pub mod user_key;
pub mod wire;

pub use device::DeviceId;
pub use error::{Error, Result};
pub use event::{new_event_id, Event};
pub use event_kind::{ChallengeResult, EventKind};
pub use identity::Identity;
pub use ip::parse_ip;
pub use properties::{Properties, PropertyValue};
pub use pseudonym::Pseudonymizer;
pub use request::RequestContext;
pub use timestamp::{check_timestamp, format_ts, parse_ts};
pub use user_key::UserKey;
