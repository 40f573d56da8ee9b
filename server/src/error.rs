//! The crate's one error type, and how each variant answers over HTTP.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{message}")]
    BadRequest {
        code: &'static str,
        message: String,
        event_index: Option<usize>,
    },
    #[error("missing or invalid credentials")]
    Unauthorized,
    #[error("this resource belongs to another app")]
    Forbidden,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    Conflict(String),
    /// Something that existed and is no more: an expired or already used notice link.
    #[error("{0}")]
    Gone(&'static str),
    #[error("shutting down")]
    Unavailable,
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    /// A database error shared by every batch of a failed group commit.
    #[error("database error: {0}")]
    Storage(String),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("configuration: {0}")]
    Config(String),
    #[error("engine: {0}")]
    Engine(#[from] vigil_engine::EngineError),
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    #[error("notification failed: {0}")]
    Notify(String),
    #[error("dashboard template: {0}")]
    Template(#[from] askama::Error),
}

impl Error {
    pub fn bad(code: &'static str, message: impl Into<String>) -> Error {
        Error::BadRequest {
            code,
            message: message.into(),
            event_index: None,
        }
    }

    pub fn bad_event(code: &'static str, message: impl Into<String>, index: usize) -> Error {
        Error::BadRequest {
            code,
            message: message.into(),
            event_index: Some(index),
        }
    }

    pub fn status(&self) -> StatusCode {
        self.status_and_code().0
    }

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Error::BadRequest { code, .. } => (StatusCode::BAD_REQUEST, code),
            Error::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            Error::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
            Error::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            Error::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            Error::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            Error::Gone(_) => (StatusCode::GONE, "gone"),
            Error::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            // Retryable by SDKs: a busy or unreachable database is transient.
            Error::Db(_) | Error::Storage(_) => (StatusCode::SERVICE_UNAVAILABLE, "database"),
            _ => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if status.is_server_error() {
            tracing::warn!(error = %self, "request failed");
        }
        let mut err = serde_json::json!({"code": code, "message": self.to_string()});
        if let Error::BadRequest {
            event_index: Some(i),
            ..
        } = &self
        {
            err["event_index"] = (*i).into();
        }
        let mut resp = (status, Json(serde_json::json!({ "error": err }))).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            resp.headers_mut()
                .insert("retry-after", axum::http::HeaderValue::from_static("1"));
        }
        resp
    }
}
