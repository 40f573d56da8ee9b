//! `GET /v1/decisions?cursor=C&wait=S`: the long poll. The hub subscription is taken before
//! computing the answer, so a change loaded between the answer and the wait still wakes us.

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::Json;
use vigil_protocol::wire::DecisionFeed;

use super::int_param;
use crate::auth::AppAuth;
use crate::error::{Error, Result};
use crate::state::{now_ms, AppState};

pub const MAX_WAIT_S: i64 = 30;

pub async fn get(
    State(st): State<AppState>,
    AppAuth(app): AppAuth,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<DecisionFeed>> {
    if int_param(&q, "app")?.is_some_and(|a| a != app.id) {
        return Err(Error::Forbidden);
    }
    let cursor = int_param(&q, "cursor")?.unwrap_or(0);
    if cursor < 0 {
        return Err(Error::bad(
            "invalid_parameter",
            "cursor must not be negative",
        ));
    }
    let wait = int_param(&q, "wait")?.unwrap_or(0).clamp(0, MAX_WAIT_S);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(wait as u64);
    let mut changes = st.hub.subscribe(app.id);
    let mut shutdown = st.shutdown.clone();
    loop {
        changes.borrow_and_update();
        let feed = st.hub.feed(app.id, cursor, now_ms()).await?;
        // A client holding nothing (cursor 0) of an app that never had a decision has
        // nothing new: it waits like any up-to-date client instead of spinning on resets.
        let nothing_new = feed.upserts.is_empty()
            && feed.deletes.is_empty()
            && (!feed.reset || (cursor == 0 && feed.cursor == 0));
        if !nothing_new || wait == 0 || *shutdown.borrow() {
            return Ok(Json(feed));
        }
        tokio::select! {
            r = changes.changed() => if r.is_err() { return Ok(Json(feed)) },
            _ = tokio::time::sleep_until(deadline) => return Ok(Json(feed)),
            _ = shutdown.changed() => return Ok(Json(feed)),
        }
    }
}
