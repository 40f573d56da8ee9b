//! The crate's one error type.

use std::path::PathBuf;

/// Everything that can go wrong outside the pure `process` path: reading configuration,
/// list files, geography databases and traces. `Engine::process` itself never fails.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("invalid engine configuration: {0}")]
    Config(String),
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}: not an IP address or network: {text:?}")]
    ListLine {
        path: PathBuf,
        line: usize,
        text: String,
    },
    #[error("{path}: not a MaxMind-format (.mmdb) database: {message}")]
    Geo { path: PathBuf, message: String },
    #[error("trace line {line}: {message}")]
    Trace { line: usize, message: String },
    #[error("invalid duration {0:?} (expected e.g. 500ms, 30s, 10m, 1h, 7d)")]
    Duration(String),
    #[error("invalid user key {0:?} (expected u_ followed by 32 hex digits)")]
    UserKey(String),
}

impl EngineError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        EngineError::Io {
            path: path.into(),
            source,
        }
    }
}
