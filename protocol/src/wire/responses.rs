//! What the server answers: the batch acknowledgement and the decision feed.

use serde::{Deserialize, Serialize};

/// `202` body of `POST /v1/batch`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct BatchAccepted {
    pub accepted: u64,
    pub duplicates: u64,
}

/// Body of `GET /v1/decisions`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct DecisionFeed {
    pub cursor: u64,
    #[serde(default)]
    pub reset: bool,
    #[serde(default)]
    pub upserts: Vec<WireDecision>,
    #[serde(default)]
    pub deletes: Vec<String>,
}

/// One decision as the server sends it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WireDecision {
    pub id: String,
    /// `user`, `ip` or `cidr`.
    pub scope: String,
    pub value: String,
    /// `block`, `redirect` or `challenge`.
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default)]
    pub expires_at: Option<String>,
    #[serde(default)]
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ids: Option<serde_json::Map<String, serde_json::Value>>,
    /// Devices (ids as in `request.device`) this user block does not apply to: the user's
    /// known devices, exempt from a lockout raised by a brute force against the account.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub except_devices: Vec<String>,
}
