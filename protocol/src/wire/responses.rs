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
    /// `block` or `redirect`.
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default)]
    pub expires_at: Option<String>,
    #[serde(default)]
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ids: Option<serde_json::Map<String, serde_json::Value>>,
}
