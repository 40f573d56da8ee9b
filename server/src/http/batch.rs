//! `POST /v1/batch`: validate everything, store (grouped with concurrent batches into one
//! transaction), answer 202 after the commit.

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use vigil_protocol::wire::BatchAccepted;

use crate::auth::AppAuth;
use crate::error::Result;
use crate::state::AppState;

pub async fn post(
    State(st): State<AppState>,
    AppAuth(app): AppAuth,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<BatchAccepted>)> {
    let started = Instant::now();
    let _busy = st.ingest.begin();
    let encoding = headers
        .get(axum::http::header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("identity")
        .trim()
        .to_ascii_lowercase();
    let parsed = st.parsers.parse(encoding, body).await;
    let events = match parsed {
        Ok(e) => e,
        Err(e) => {
            st.metrics.batches_rejected.inc();
            return Err(e);
        }
    };
    let total = events.len() as u64;
    let inserted = st.events.write(app.id, events).await?;
    let duplicates = total - inserted;
    st.metrics.events_accepted.inc_by(inserted);
    st.metrics.events_duplicate.inc_by(duplicates);
    st.metrics
        .batch_seconds
        .observe(started.elapsed().as_secs_f64());
    Ok((
        StatusCode::ACCEPTED,
        Json(BatchAccepted {
            accepted: inserted,
            duplicates,
        }),
    ))
}
