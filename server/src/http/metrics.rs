//! `GET /metrics` in the Prometheus text format.

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;

use crate::state::{now_ms, AppState};

pub async fn get(State(st): State<AppState>) -> impl IntoResponse {
    // Computed at scrape time: expiry changes the count without any write.
    if let Ok(n) = st.store.active_decisions(now_ms()).await {
        st.metrics.decisions_active.set(n);
    }
    (
        [(
            CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        st.metrics.render(),
    )
}
