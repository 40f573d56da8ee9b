//! The v1 wire format (docs/protocol.md): what an SDK sends and what the server answers.

mod encode;
mod gzip;
mod responses;

pub use crate::timestamp::{format_ts, parse_ts};
pub use encode::{encode_batch, encode_event, SdkInfo};
pub use gzip::gzip;
pub use responses::{BatchAccepted, DecisionFeed, WireDecision};
