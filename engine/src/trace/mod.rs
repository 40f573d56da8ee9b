//! Recorded and synthetic traffic: the JSON Lines trace format, a labelled generator and a
//! replay that scores the engine against the labels.

pub mod evaluate;
pub mod format;
pub mod generate;

pub use evaluate::{evaluate, Evaluation, KindReport};
pub use format::{read_trace, write_trace, TraceKind, TraceRecord};
pub use generate::{generate, GenerateOptions};
