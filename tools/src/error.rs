//! The crate's one error type.

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// From the server's library: its store, ingest parser or startup.
    #[error(transparent)]
    Server(#[from] vigil_server::error::Error),
    #[error("HTTP: {0}")]
    Http(#[from] reqwest::Error),
    #[error("task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// The server answered, but not as a benchmark run needs.
    #[error("{0}")]
    Failed(String),
}

/// `Error::Failed` with this message.
pub fn failed(message: impl std::fmt::Display) -> Error {
    Error::Failed(message.to_string())
}
