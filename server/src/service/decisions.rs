//! Manual decisions: validated, stored and announced to long polls, or removed. The admin API
//! and the dashboard both make and remove decisions through here.

use std::collections::HashMap;
use std::net::IpAddr;

use serde::Deserialize;
use serde_json::Value;
use vigil_protocol::{Identity, UserKey};

use super::apps::ensure_exists;
use crate::error::{Error, Result};
use crate::state::{now_ms, AppState};
use crate::store::DecisionRow;

/// A decision as an operator asks for it (the body of `POST /api/decisions`).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct NewDecision {
    pub app: i64,
    pub scope: String,
    #[serde(default)]
    pub ids: Option<HashMap<String, String>>,
    #[serde(default)]
    pub value: Option<String>,
    #[serde(default)]
    pub duration_s: Option<i64>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub action: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
}

fn bad(message: &str) -> Error {
    Error::bad("invalid_decision", message.to_owned())
}

/// The decision's value in its canonical form, and for a user named by identifiers those
/// identifiers as a JSON object.
fn target(body: &NewDecision) -> Result<(String, Option<String>)> {
    match body.scope.as_str() {
        "user" => match (&body.ids, &body.value) {
            (Some(ids), None) => {
                let pairs: Vec<(&str, &str)> =
                    ids.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                let identity = Identity::new(&pairs, None)
                    .map_err(|e| Error::bad("invalid_identity", e.to_string()))?;
                let normalized: serde_json::Map<String, Value> = identity
                    .pairs()
                    .map(|(k, v)| (k.to_owned(), Value::String(v.to_owned())))
                    .collect();
                Ok((
                    identity.key().to_string(),
                    Some(Value::Object(normalized).to_string()),
                ))
            }
            (None, Some(v)) => {
                let key: UserKey = v.parse().map_err(|_| bad("value must be a user key"))?;
                Ok((key.to_string(), None))
            }
            _ => Err(bad("a user decision takes either ids or value")),
        },
        "ip" => {
            let v = body
                .value
                .as_deref()
                .ok_or_else(|| bad("value is required"))?;
            let ip: IpAddr = vigil_protocol::parse_ip(v.trim())
                .map_err(|_| bad("value must be an IP address"))?;
            Ok((ip.to_string(), None))
        }
        "cidr" => {
            let v = body
                .value
                .as_deref()
                .ok_or_else(|| bad("value is required"))?;
            let net: ipnet::IpNet = v.trim().parse().map_err(|_| bad("value must be a CIDR"))?;
            Ok((net.trunc().to_string(), None))
        }
        _ => Err(bad("scope is user, ip or cidr")),
    }
}

/// Validates and stores a manual decision and announces it to long polls. Returns the row and
/// the app's new cursor.
pub async fn create(st: &AppState, body: NewDecision) -> Result<(DecisionRow, i64)> {
    create_as(st, body, "admin").await
}

/// `create` on behalf of something other than an operator (`source`, e.g. a user's answer to
/// a notice), which the dashboard shows as the decision's origin.
pub async fn create_as(
    st: &AppState,
    body: NewDecision,
    source: &str,
) -> Result<(DecisionRow, i64)> {
    ensure_exists(st, body.app).await?;
    let (value, ids) = target(&body)?;
    let action = body.action.as_deref().unwrap_or("block");
    let url = match action {
        "block" => None,
        "redirect" => Some(
            body.url
                .clone()
                .filter(|u| {
                    u.starts_with("http://") || u.starts_with("https://") || u.starts_with('/')
                })
                .ok_or_else(|| bad("a redirect needs a url"))?,
        ),
        _ => return Err(bad("action is block or redirect")),
    };
    let now = now_ms();
    let expires_ms = match body.duration_s {
        None => None,
        Some(s) if s > 0 => Some(now.saturating_add(s.saturating_mul(1000))),
        Some(_) => {
            return Err(bad(
                "duration_s must be positive (omit it for a permanent decision)",
            ))
        }
    };
    let mut id_bytes = [0u8; 8];
    rand::Rng::fill(&mut rand::thread_rng(), &mut id_bytes);
    let row = DecisionRow {
        id: format!("d_{}", hex::encode(id_bytes)),
        app_id: body.app,
        scope: body.scope.clone(),
        value,
        action: action.into(),
        url,
        expires_ms,
        reason: body.reason.unwrap_or_else(|| "manual".into()),
        ids,
        except_devices: None,
        source: source.into(),
        created_ms: now,
    };
    let cursor = st.store.insert_decision(&row, now).await?;
    st.hub.publish(row.app_id, cursor);
    Ok((row, cursor))
}

/// Deletes a live decision and announces it to long polls; `NotFound` when there is none.
pub async fn remove(st: &AppState, id: &str) -> Result<()> {
    let (app, cursor) = st
        .store
        .delete_decision(id, now_ms())
        .await?
        .ok_or(Error::NotFound("decision"))?;
    st.hub.publish(app, cursor);
    Ok(())
}
