//! `vigil-core`: the client core every Vigil SDK sits on.
//!
//! Identity rules, event validation, a bounded lock-free queue drained by one background worker
//! that batches, compresses and delivers events, and the ban decisions that request threads check
//! without locks or I/O. See docs/architecture.md and docs/protocol.md.

mod backoff;
mod batch;
pub mod client;
mod clock;
pub mod config;
pub mod decisions;
pub mod edge;
pub mod error;
pub mod event;
pub mod identity;
pub mod ipmap;
mod local;
pub mod log_queue;
mod poller;
pub mod process;
pub mod pseudonym;
mod seen;
mod sender;
mod shared;
pub mod stats;
mod transport;
pub mod verdict;
pub mod wire;
mod worker;

pub use client::Client;
pub use config::{Config, PiiMode};
pub use decisions::{Action, Decision, Target};
pub use edge::Edge;
pub use error::{Error, ErrorKind, Result};
pub use event::{ChallengeResult, DeviceId, EventKind, Properties, PropertyValue, RequestContext};
pub use identity::{Identity, UserKey};
pub use process::ProcessClient;
pub use stats::StatsSnapshot;
pub use verdict::{Assessment, Verdict};

/// The version of this crate, reported by every SDK.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
