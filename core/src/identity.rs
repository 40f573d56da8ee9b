//! User identity and its rules, defined in `vigil-protocol` (docs/identity.md).

pub use vigil_protocol::identity::{Identity, EMAIL_KEYS};
pub use vigil_protocol::limits::{MAX_KEY_BYTES, MAX_PAIRS, MAX_VALUE_BYTES};
pub use vigil_protocol::user_key::UserKey;
