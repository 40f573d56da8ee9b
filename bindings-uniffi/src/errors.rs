//! The one mapping of the core's errors across the boundary: the family picks the variant
//! (the Java exception class), the stable code and the message travel with it.

use vigil_core::{Error, ErrorKind};

#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum FfiError {
    #[error("{detail}")]
    Identifier { code: String, detail: String },
    #[error("{detail}")]
    Event { code: String, detail: String },
    #[error("{detail}")]
    Config { code: String, detail: String },
    #[error("{detail}")]
    Client { code: String, detail: String },
}

impl From<Error> for FfiError {
    fn from(e: Error) -> FfiError {
        let (code, detail) = (e.code().to_owned(), e.to_string());
        match e.kind() {
            ErrorKind::Identifier => FfiError::Identifier { code, detail },
            ErrorKind::Event => FfiError::Event { code, detail },
            ErrorKind::Config => FfiError::Config { code, detail },
            ErrorKind::Client => FfiError::Client { code, detail },
        }
    }
}

/// A configuration error of this layer's own (an option that is not text, a bad timeout).
pub fn config(detail: impl Into<String>) -> FfiError {
    FfiError::Config {
        code: "config".to_owned(),
        detail: detail.into(),
    }
}

pub type Result<T, E = FfiError> = std::result::Result<T, E>;
