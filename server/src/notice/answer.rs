//! Carrying out an answer. Both go through the event log, so that every instance's engine
//! learns them in the same order and keeps agreeing: "this was me" stores a passed challenge on
//! the sign-in's device (the engine trusts the device and ends the user's challenges); "this
//! wasn't me" stores a failed one (risk for the user and the sign-in's IP), blocks the user
//! through the same service as the admin API (SDKs get it through the feed) and queues the
//! app's revocation webhook as a notification.

use std::collections::HashMap;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use vigil_protocol::wire::format_ts;
use vigil_protocol::Identity;

use super::token::{Answer, Claims};
use crate::collect::{REVOKE_TARGET, USER_TARGET};
use crate::error::{Error, Result};
use crate::service::decisions::{self, NewDecision};
use crate::state::{now_ms, AppState};
use crate::store::{NoticeRow, NotificationRow};

/// The decisions' reason and source: SDKs and the dashboard show where a block came from.
pub const NOT_ME_SOURCE: &str = "notice:not_me";
const REVOKE_REASON: &str = "the user said a sign-in was not theirs";
/// When `[notify.user_email]` was removed after the e-mail went out.
const DEFAULT_BLOCK_MS: i64 = 24 * 3600 * 1000;

fn invalid() -> Error {
    Error::bad("invalid_link", "This link is not valid.")
}

/// Answers the notice once. A second answer (either link, any instance) is refused; an
/// answer whose effects could not all be stored is forgotten so that the link can be retried,
/// and what was stored is not repeated (ids derive from the notice).
pub async fn answer(st: &AppState, claims: &Claims) -> Result<()> {
    // The notification is what the e-mail said: the identifiers come from it, never from the
    // link, which then names no one.
    let job = st
        .store
        .notification(&claims.n)
        .await?
        .filter(|n| n.app_id == claims.a && n.target == USER_TARGET)
        .ok_or_else(invalid)?;
    let payload: Value = serde_json::from_str(&job.payload).map_err(|_| invalid())?;
    if payload["user"].as_str() != Some(claims.u.as_str()) {
        return Err(invalid());
    }
    let now = now_ms();
    let row = NoticeRow {
        id: claims.n.clone(),
        app_id: claims.a,
        user_key: claims.u.clone(),
        answer: match claims.r {
            Answer::Me => "me",
            Answer::NotMe => "not_me",
        }
        .into(),
        used_ms: now,
        expires_ms: claims.x,
    };
    if !st.store.claim_notice(&row).await? {
        return Err(used());
    }
    let result = match claims.r {
        Answer::Me => challenge(st, claims, &payload, "succeeded", now).await,
        Answer::NotMe => not_me(st, claims, &payload, now).await,
    };
    if let Err(e) = &result {
        tracing::warn!(error = %e, "answering a notice failed; its link can be used again");
        if let Err(e) = st.store.release_notice(&claims.n, now).await {
            tracing::warn!(error = %e, "releasing a notice failed");
        }
    }
    result
}

pub fn used() -> Error {
    Error::Gone("This link was already used.")
}

async fn not_me(st: &AppState, claims: &Claims, payload: &Value, now: i64) -> Result<()> {
    block(st, claims, payload).await?;
    revoke(st, claims, payload, now).await?;
    challenge(st, claims, payload, "failed", now).await
}

/// The user's identifiers as the notification recorded them.
fn ids(payload: &Value) -> Option<&serde_json::Map<String, Value>> {
    payload["ids"].as_object().filter(|m| !m.is_empty())
}

fn derived(parts: &[&str]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u32).to_be_bytes());
        h.update(p.as_bytes());
    }
    h.finalize().into()
}

/// Stores a `challenge` event with `result` for the sign-in's user, IP and device, through
/// ingest's own validation and the event writer, which wakes the engine runner once it is
/// stored. Its id derives from the notice, so a retried answer stores it once.
async fn challenge(
    st: &AppState,
    claims: &Claims,
    payload: &Value,
    result: &str,
    now: i64,
) -> Result<()> {
    let ids = ids(payload).ok_or_else(invalid)?;
    let mut id = [0u8; 16];
    id.copy_from_slice(&derived(&["vigil-notice-event", &claims.n, result])[..16]);
    let mut request = serde_json::Map::new();
    if let Some(ip) = payload["ip"].as_str() {
        request.insert("ip".into(), ip.into());
    }
    if let Some(device) = &claims.d {
        request.insert("device".into(), device.as_str().into());
    }
    let event = json!({
        "id": uuid::Builder::from_custom_bytes(id).into_uuid().to_string(),
        "type": "challenge",
        "result": result,
        "ts": format_ts(now),
        "user": {"ids": ids, "key": claims.u},
        "request": request,
    });
    let body = json!({ "events": [event] }).to_string();
    let events = crate::ingest::parse_batch(body.as_bytes())?;
    st.events.write(claims.a, events).await?;
    Ok(())
}

/// Blocks the user for `not_me_block` through the admin API's service, with the identifiers
/// when they still give the user's key (so SDKs get them with the decision, as with a
/// playbook's block).
async fn block(st: &AppState, claims: &Claims, payload: &Value) -> Result<()> {
    let ids: Option<HashMap<String, String>> = ids(payload).map(|m| {
        m.iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
            .collect()
    });
    let ids = ids.filter(|ids| {
        let pairs: Vec<(&str, &str)> = ids.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        Identity::new(&pairs, None).is_ok_and(|i| i.key().to_string() == claims.u)
    });
    let block_ms = st
        .config
        .notify
        .user_email
        .as_ref()
        .map_or(DEFAULT_BLOCK_MS, |u| u.not_me_block.ms());
    let body = NewDecision {
        app: claims.a,
        scope: "user".into(),
        value: ids.is_none().then(|| claims.u.clone()),
        ids,
        duration_s: Some((block_ms / 1000).max(1)),
        reason: Some(NOT_ME_SOURCE.into()),
        ..Default::default()
    };
    decisions::create_as(st, body, NOT_ME_SOURCE).await?;
    Ok(())
}

/// Queues the revocation webhook's call as a `revoke` notification (retried and shown like
/// any other; it fails at once, recorded, when no webhook is configured).
async fn revoke(st: &AppState, claims: &Claims, payload: &Value, now: i64) -> Result<()> {
    let id = format!(
        "n_{}",
        hex::encode(&derived(&["vigil-notice-revoke", &claims.n])[..10])
    );
    let body = json!({
        "type": crate::notify::REVOKE_TYPE,
        "id": id,
        "app_id": claims.a,
        "user": claims.u,
        "ids": payload["ids"],
        "force_password_reset": true,
        "reason": REVOKE_REASON,
        "ts": format_ts(now),
    });
    let row = NotificationRow::pending(id, claims.a, REVOKE_TARGET, &body, now);
    crate::service::notifications::queue(st, row).await
}
