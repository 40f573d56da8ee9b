//! Liveness and readiness.

use axum::extract::State;
use axum::Json;

use crate::error::Result;
use crate::state::AppState;

pub async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}

/// Ready when the database answers.
pub async fn readyz(State(st): State<AppState>) -> Result<Json<serde_json::Value>> {
    st.store.ping().await?;
    Ok(Json(
        serde_json::json!({"status": "ready", "database": st.store.backend()}),
    ))
}
