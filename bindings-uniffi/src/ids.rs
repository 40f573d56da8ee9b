//! Identifiers as they cross the boundary: one flat list, `key, value, key, value`, in the
//! caller's order (the core's primary-key rules read that order; a hash map would lose it).

use smallvec::SmallVec;
use vigil_core::{Client, Identity};

use crate::errors::Result;

/// The pairs of a flat list, borrowed; an odd list is the JVM layer's bug, not the caller's.
pub fn pairs(flat: &[String]) -> SmallVec<[(&str, &str); 4]> {
    debug_assert!(flat.len() % 2 == 0, "identifiers cross as key, value pairs");
    flat.chunks_exact(2)
        .map(|kv| (kv[0].as_str(), kv[1].as_str()))
        .collect()
}

/// The identity of `flat` under the running client's PII settings.
#[inline]
pub fn identity(client: &Client, flat: &[String]) -> Result<Identity> {
    Ok(client.identity(&pairs(flat))?)
}

/// An identity back as a flat list, keys in the core's order.
pub fn flatten(user: &Identity) -> Vec<String> {
    let mut out = Vec::with_capacity(user.len() * 2);
    for (k, v) in user.pairs() {
        out.push(k.to_string());
        out.push(v.to_string());
    }
    out
}
