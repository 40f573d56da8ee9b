//! The admin API (`/api/*`), for operators. Every handler takes `AdminAuth`, so none runs
//! without the admin credential; what the dashboard also does goes through `service`.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use vigil_protocol::wire::format_ts;

use super::int_param;
use crate::auth::AdminAuth;
use crate::error::{Error, Result};
use crate::service;
use crate::service::decisions::NewDecision;
use crate::state::{now_ms, AppState};
use crate::store::dashboard::{UserOrder, UsersQuery};
use crate::store::{DecisionRow, IncidentRow, StoredEvent, UserRow};

type Q = Query<HashMap<String, String>>;

fn limit(q: &HashMap<String, String>, default: i64) -> Result<i64> {
    Ok(int_param(q, "limit")?.unwrap_or(default).clamp(1, 1000))
}

/// The `app` parameter, which must name an existing app.
async fn app_param(st: &AppState, q: &HashMap<String, String>) -> Result<i64> {
    let id =
        int_param(q, "app")?.ok_or_else(|| Error::bad("missing_parameter", "app is required"))?;
    service::apps::ensure_exists(st, id).await?;
    Ok(id)
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
    let (app, token) = service::apps::create(&st, &body.name).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": app.id, "name": app.name, "token": token})),
    ))
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
    service::users::check_key(&key)?;
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
    service::incidents::resolve(&st, &id).await?;
    Ok(Json(json!({"id": id, "state": "resolved"})))
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

pub async fn create_decision(
    State(st): State<AppState>,
    _: AdminAuth,
    Json(body): Json<NewDecision>,
) -> Result<(StatusCode, Json<Value>)> {
    let (row, cursor) = service::decisions::create(&st, body).await?;
    let mut out = decision_json(&row);
    out["cursor"] = cursor.into();
    Ok((StatusCode::CREATED, Json(out)))
}

pub async fn delete_decision(
    State(st): State<AppState>,
    _: AdminAuth,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    service::decisions::remove(&st, &id).await?;
    Ok(StatusCode::NO_CONTENT)
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
            .map(|r| json!({"id": r.id, "playbook": r.playbook, "action": r.action, "shadow": r.shadow, "user": r.user_key, "ip": r.ip, "reason": r.reason, "ts": format_ts(r.ts_ms)}))
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
