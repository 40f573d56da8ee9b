//! The admin API (`/api/*`), for operators and the dashboard. Every handler takes
//! `AdminAuth`, so none runs without the admin credential.

use std::collections::HashMap;
use std::net::IpAddr;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use vigil_protocol::wire::format_ts;
use vigil_protocol::{Identity, UserKey};

use super::int_param;
use crate::auth::{hash_token, new_token, AdminAuth};
use crate::error::{Error, Result};
use crate::state::{now_ms, AppState};
use crate::store::dashboard::{UserOrder, UsersQuery};
use crate::store::{AppRow, DecisionRow, IncidentRow, StoredEvent, UserRow};

type Q = Query<HashMap<String, String>>;

fn limit(q: &HashMap<String, String>, default: i64) -> Result<i64> {
    Ok(int_param(q, "limit")?.unwrap_or(default).clamp(1, 1000))
}

/// The `app` parameter, which must name an existing app.
async fn app_param(st: &AppState, q: &HashMap<String, String>) -> Result<i64> {
    let id =
        int_param(q, "app")?.ok_or_else(|| Error::bad("missing_parameter", "app is required"))?;
    ensure_app(st, id).await?;
    Ok(id)
}

async fn ensure_app(st: &AppState, id: i64) -> Result<()> {
    if st.store.list_apps().await?.iter().any(|a| a.id == id) {
        Ok(())
    } else {
        Err(Error::NotFound("app"))
    }
}

#[derive(Deserialize)]
pub struct NewApp {
    name: String,
}

pub async fn create_app(
    State(st): State<AppState>,
    _: AdminAuth,
    Json(body): Json<NewApp>,
) -> Result<(StatusCode, Json<Value>)> {
    let (app, token) = add_app(&st, &body.name).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": app.id, "name": app.name, "token": token})),
    ))
}

/// Creates an app; returns it with its token, which is never stored (only its hash).
pub async fn add_app(st: &AppState, name: &str) -> Result<(AppRow, String)> {
    let name = name.trim();
    if name.is_empty() || name.len() > 128 || name.chars().any(char::is_control) {
        return Err(Error::bad(
            "invalid_name",
            "name must be 1 to 128 printable characters",
        ));
    }
    let token = new_token("vga_");
    let app = st
        .store
        .create_app(name, &hash_token(&token), now_ms())
        .await?;
    Ok((app, token))
}

pub async fn list_apps(State(st): State<AppState>, _: AdminAuth) -> Result<Json<Value>> {
    let apps = st.store.list_apps().await?;
    Ok(Json(Value::Array(
        apps.into_iter()
            .map(|a| json!({"id": a.id, "name": a.name, "created_at": format_ts(a.created_ms)}))
            .collect(),
    )))
}

fn user_json(u: &UserRow) -> Value {
    json!({
        "key": u.user_key,
        "primary": u.primary_key,
        "display": u.display,
        "ids": serde_json::from_str::<Value>(&u.ids).unwrap_or(Value::Null),
        "risk": u.risk,
        "last_seen": format_ts(u.last_seen_ms),
    })
}

pub async fn users(State(st): State<AppState>, _: AdminAuth, Query(q): Q) -> Result<Json<Value>> {
    let app = app_param(&st, &q).await?;
    let order = match q.get("sort").map(String::as_str) {
        None | Some("risk") => UserOrder::Risk,
        Some("last_seen") => UserOrder::LastSeen,
        Some(_) => return Err(Error::bad("invalid_parameter", "sort is risk or last_seen")),
    };
    let rows = st
        .store
        .users_page(&UsersQuery {
            app,
            order,
            prefix: None,
            after: None,
            limit: limit(&q, 50)?,
        })
        .await?;
    Ok(Json(Value::Array(rows.iter().map(user_json).collect())))
}

fn event_json(e: &StoredEvent) -> Value {
    json!({
        "seq": e.seq,
        "type": e.kind,
        "ts": format_ts(e.ts_ms),
        "user": e.user_key,
        "ip": e.ip,
        "received_at": format_ts(e.received_ms),
        "event": serde_json::from_str::<Value>(&e.data).unwrap_or(Value::Null),
    })
}

pub async fn user(
    State(st): State<AppState>,
    _: AdminAuth,
    Path(key): Path<String>,
    Query(q): Q,
) -> Result<Json<Value>> {
    let app = app_param(&st, &q).await?;
    if key.parse::<UserKey>().is_err() {
        return Err(Error::bad(
            "invalid_key",
            "a user key is u_ and 32 hex digits",
        ));
    }
    let u = st
        .store
        .user(app, &key)
        .await?
        .ok_or(Error::NotFound("user"))?;
    let history = st.store.risk_history(app, &key, 100).await?;
    let signals = st.store.signals(app, Some(&key), 100).await?;
    let events = st.store.events(app, Some(&key), 50).await?;
    let mut out = user_json(&u);
    out["app"] = app.into();
    out["identity"] = json!({"ids": out["ids"].clone(), "primary": u.primary_key});
    out["risk_history"] = history
        .iter()
        .map(|r| json!({"ts": format_ts(r.ts_ms), "before": r.risk_before, "after": r.risk_after, "signal": r.signal}))
        .collect();
    out["signals"] = signals
        .iter()
        .map(|s| json!({"id": s.id, "kind": s.kind, "ip": s.ip, "points": s.points, "ts": format_ts(s.ts_ms)}))
        .collect();
    out["events"] = events.iter().map(event_json).collect();
    Ok(Json(out))
}

fn incident_json(i: &IncidentRow) -> Value {
    json!({
        "id": i.id,
        "app": i.app_id,
        "playbook": i.playbook,
        "user": i.user_key,
        "ip": i.ip,
        "reason": i.reason,
        "state": i.state,
        "created_at": format_ts(i.created_ms),
        "resolved_at": i.resolved_ms.map(format_ts),
    })
}

pub async fn incidents(
    State(st): State<AppState>,
    _: AdminAuth,
    Query(q): Q,
) -> Result<Json<Value>> {
    let app = app_param(&st, &q).await?;
    let state = match q.get("state").map(String::as_str) {
        None | Some("all") => None,
        Some(s @ ("open" | "resolved")) => Some(s),
        Some(_) => {
            return Err(Error::bad(
                "invalid_parameter",
                "state is open, resolved or all",
            ))
        }
    };
    let rows = st.store.incidents(app, state, limit(&q, 100)?).await?;
    Ok(Json(Value::Array(rows.iter().map(incident_json).collect())))
}

pub async fn resolve_incident(
    State(st): State<AppState>,
    _: AdminAuth,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    if st.store.resolve_incident(&id, now_ms()).await? {
        Ok(Json(json!({"id": id, "state": "resolved"})))
    } else {
        Err(Error::NotFound("incident"))
    }
}

fn decision_json(d: &DecisionRow) -> Value {
    json!({
        "id": d.id,
        "app": d.app_id,
        "scope": d.scope,
        "value": d.value,
        "action": d.action,
        "url": d.url,
        "expires_at": d.expires_ms.map(format_ts),
        "reason": d.reason,
        "ids": d.ids.as_deref().and_then(|s| serde_json::from_str::<Value>(s).ok()),
        "source": d.source,
        "created_at": format_ts(d.created_ms),
    })
}

pub async fn list_decisions(
    State(st): State<AppState>,
    _: AdminAuth,
    Query(q): Q,
) -> Result<Json<Value>> {
    let app = app_param(&st, &q).await?;
    let rows = st.store.decisions(app, now_ms()).await?;
    Ok(Json(Value::Array(rows.iter().map(decision_json).collect())))
}

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

pub async fn create_decision(
    State(st): State<AppState>,
    _: AdminAuth,
    Json(body): Json<NewDecision>,
) -> Result<(StatusCode, Json<Value>)> {
    let (row, cursor) = add_decision(&st, body).await?;
    let mut out = decision_json(&row);
    out["cursor"] = cursor.into();
    Ok((StatusCode::CREATED, Json(out)))
}

/// Validates and stores a manual decision and announces it to long polls; the admin API and
/// the dashboard both make decisions through here. Returns the row and the app's new cursor.
pub async fn add_decision(st: &AppState, body: NewDecision) -> Result<(DecisionRow, i64)> {
    ensure_app(st, body.app).await?;
    let bad = |m: &str| Error::bad("invalid_decision", m.to_owned());
    let (value, ids) = match body.scope.as_str() {
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
                (
                    identity.key().to_string(),
                    Some(Value::Object(normalized).to_string()),
                )
            }
            (None, Some(v)) => {
                let key: UserKey = v.parse().map_err(|_| bad("value must be a user key"))?;
                (key.to_string(), None)
            }
            _ => return Err(bad("a user decision takes either ids or value")),
        },
        "ip" => {
            let v = body
                .value
                .as_deref()
                .ok_or_else(|| bad("value is required"))?;
            let ip: IpAddr = vigil_protocol::parse_ip(v.trim())
                .map_err(|_| bad("value must be an IP address"))?;
            (ip.to_string(), None)
        }
        "cidr" => {
            let v = body
                .value
                .as_deref()
                .ok_or_else(|| bad("value is required"))?;
            let net: ipnet::IpNet = v.trim().parse().map_err(|_| bad("value must be a CIDR"))?;
            (net.trunc().to_string(), None)
        }
        _ => return Err(bad("scope is user, ip or cidr")),
    };
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
        source: "admin".into(),
        created_ms: now,
    };
    let cursor = st.store.insert_decision(&row, now).await?;
    st.hub.publish(row.app_id, cursor);
    Ok((row, cursor))
}

pub async fn delete_decision(
    State(st): State<AppState>,
    _: AdminAuth,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    remove_decision(&st, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes a live decision and announces it to long polls (admin API and dashboard).
pub async fn remove_decision(st: &AppState, id: &str) -> Result<()> {
    let (app, cursor) = st
        .store
        .delete_decision(id, now_ms())
        .await?
        .ok_or(Error::NotFound("decision"))?;
    st.hub.publish(app, cursor);
    Ok(())
}

pub async fn playbooks(
    State(st): State<AppState>,
    _: AdminAuth,
    Query(q): Q,
) -> Result<Json<Value>> {
    let mut out = json!({ "playbooks": st.config.engine.playbooks });
    if q.contains_key("app") {
        let app = app_param(&st, &q).await?;
        let runs = st.store.runs(app, limit(&q, 100)?).await?;
        out["runs"] = runs
            .iter()
            .map(|r| json!({"id": r.id, "playbook": r.playbook, "action": r.action, "user": r.user_key, "ip": r.ip, "reason": r.reason, "ts": format_ts(r.ts_ms)}))
            .collect();
    }
    Ok(Json(out))
}

pub async fn notifications(
    State(st): State<AppState>,
    _: AdminAuth,
    Query(q): Q,
) -> Result<Json<Value>> {
    let app = match q.contains_key("app") {
        true => Some(app_param(&st, &q).await?),
        false => None,
    };
    let lim = limit(&q, 100)?;
    let notes = st.store.notifications(app, lim).await?;
    let attempts = st.store.attempts(app, lim).await?;
    Ok(Json(json!({
        "notifications": notes.iter().map(|n| json!({
            "id": n.id, "app": n.app_id, "target": n.target, "state": n.state,
            "attempts": n.attempts, "created_at": format_ts(n.created_ms),
            "payload": serde_json::from_str::<Value>(&n.payload).unwrap_or(Value::Null),
        })).collect::<Vec<_>>(),
        "attempts": attempts.iter().map(|a| json!({
            "notification": a.notification_id, "app": a.app_id, "target": a.target, "kind": a.kind,
            "attempt": a.attempt, "ok": a.ok != 0, "status": a.status, "error": a.error,
            "at": format_ts(a.ts_ms),
        })).collect::<Vec<_>>(),
    })))
}

pub async fn events(State(st): State<AppState>, _: AdminAuth, Query(q): Q) -> Result<Json<Value>> {
    let app = app_param(&st, &q).await?;
    let user = q.get("user").map(String::as_str).filter(|s| !s.is_empty());
    let rows = st.store.events(app, user, limit(&q, 100)?).await?;
    Ok(Json(Value::Array(rows.iter().map(event_json).collect())))
}
