//! Users: the key both front ends name a user by.

use vigil_protocol::UserKey;

use crate::error::{Error, Result};

/// A 400 for anything that is not a user key, before it reaches the store.
pub fn check_key(key: &str) -> Result<()> {
    key.parse::<UserKey>()
        .map(|_| ())
        .map_err(|_| Error::bad("invalid_key", "a user key is u_ and 32 hex digits"))
}
