//! Routes. Everything but the long poll runs under the configured request timeout; the long
//! poll bounds itself (at most 30 s).

mod admin;
mod batch;
mod decisions;
mod health;
mod metrics;

use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::Router;
use tower_http::timeout::TimeoutLayer;
use vigil_protocol::limits::MAX_COMPRESSED_BODY_BYTES;

use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    let timeout = Duration::from_millis(state.config.server.request_timeout.ms().max(1) as u64);
    let timed = Router::new()
        .route("/v1/batch", post(batch::post))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::get))
        .route("/api/apps", get(admin::list_apps).post(admin::create_app))
        .route("/api/users", get(admin::users))
        .route("/api/users/{key}", get(admin::user))
        .route("/api/incidents", get(admin::incidents))
        .route("/api/incidents/{id}/resolve", post(admin::resolve_incident))
        .route(
            "/api/decisions",
            get(admin::list_decisions).post(admin::create_decision),
        )
        .route("/api/decisions/{id}", delete(admin::delete_decision))
        .route("/api/playbooks", get(admin::playbooks))
        .route("/api/notifications", get(admin::notifications))
        .route("/api/events", get(admin::events))
        .merge(crate::dashboard::router())
        .merge(crate::notice::router())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            timeout,
        ));
    Router::new()
        .route("/v1/decisions", get(decisions::get))
        .merge(timed)
        .layer(DefaultBodyLimit::max(MAX_COMPRESSED_BODY_BYTES))
        .with_state(state)
}

/// Parses an optional integer query parameter, answering 400 (not axum's plain-text
/// rejection) when it is malformed.
fn int_param(
    q: &std::collections::HashMap<String, String>,
    name: &'static str,
) -> crate::error::Result<Option<i64>> {
    match q.get(name).map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| {
            crate::error::Error::bad("invalid_parameter", format!("{name} must be an integer"))
        }),
    }
}
