//! Recorded and synthetic traffic: the JSON Lines trace format, a labelled generator and a
//! replay that scores the engine against the labels.

mod episodes;
pub mod evaluate;
pub mod format;
pub mod generate;
mod populations;
pub mod report;
mod score;
mod world;

pub use evaluate::evaluate;
pub use format::{read_trace, write_trace, TraceKind, TraceRecord, BENIGN, WARMUP};
pub use generate::{generate, GenerateOptions, ATTACK_KINDS};
pub use report::{verdict_floor, Evaluation, Gate, GateResult, KindReport, VERDICT_FLOORS};
pub use world::{HOSTING_ASNS, OFFICE_IP};
