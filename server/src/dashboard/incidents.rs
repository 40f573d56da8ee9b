//! Incidents, open and resolved: the playbook and the signals behind each, and resolve.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::Value;

use super::csrf::CsrfForm;
use super::session::SignedIn;
use super::{done, format, layout, render, Layout, NoApp};
use crate::error::Result;
use crate::service;
use crate::state::{now_ms, AppState};
use crate::store::UserRow;

const LIST: i64 = 100;
const SIGNALS_EACH: i64 = 5;

pub struct IncidentLine {
    pub id: String,
    pub playbook: String,
    pub trigger: String,
    pub user_link: Option<String>,
    pub user_name: String,
    pub ip: String,
    pub reason: String,
    pub created: String,
    pub resolved: Option<String>,
    /// `kind (+points) at time`.
    pub signals: Vec<String>,
}

/// What made the playbook fire, from its run's serialized action.
fn trigger_text(detail: &str) -> String {
    let v: Value = serde_json::from_str(detail).unwrap_or_default();
    let t = &v["trigger"];
    match t["type"].as_str() {
        Some("risk_increase") => format!(
            "risk rose by {:.1} within {}",
            t["increase"].as_f64().unwrap_or(0.0),
            format::span(t["window_ms"].as_i64().unwrap_or(0))
        ),
        Some("risk_above") => format!("risk above {}", t["score"]),
        Some("signal") => format!("signal {}", t["name"].as_str().unwrap_or("?")),
        _ => String::new(),
    }
}

#[derive(Deserialize)]
pub struct IncidentsQuery {
    app: Option<i64>,
    state: Option<String>,
}

#[derive(Template)]
#[template(path = "incidents.html")]
struct IncidentsPage {
    layout: Layout,
    state: &'static str,
    incidents: Vec<IncidentLine>,
}

pub async fn page(
    State(st): State<AppState>,
    session: SignedIn,
    Query(q): Query<IncidentsQuery>,
) -> Result<Response> {
    let layout = layout(&st, session, "incidents", "Incidents", q.app).await?;
    if layout.app == 0 {
        return Ok(render(&NoApp { layout }));
    }
    let app = layout.app;
    let state = match q.state.as_deref() {
        Some("resolved") => "resolved",
        _ => "open",
    };
    let rows = st.store.incidents(app, Some(state), LIST).await?;
    let keys: Vec<String> = rows.iter().filter_map(|i| i.user_key.clone()).collect();
    let users: HashMap<String, UserRow> = st
        .store
        .users_by_key(app, &keys)
        .await?
        .into_iter()
        .map(|u| (u.user_key.clone(), u))
        .collect();
    let seqs: Vec<i64> = rows.iter().map(|i| i.seq).collect();
    let triggers: HashMap<(i64, String), String> = st
        .store
        .incident_runs(app, &seqs)
        .await?
        .into_iter()
        .map(|(seq, playbook, detail)| ((seq, playbook), trigger_text(&detail)))
        .collect();
    let now = now_ms();
    let mut incidents = Vec::with_capacity(rows.len());
    for i in rows {
        let trigger = triggers
            .get(&(i.seq, i.playbook.clone()))
            .cloned()
            .unwrap_or_default();
        let signals = st
            .store
            .signals_up_to(
                app,
                i.user_key.as_deref(),
                i.ip.as_deref(),
                i.seq,
                SIGNALS_EACH,
            )
            .await?
            .into_iter()
            .map(|s| {
                format!(
                    "{} (+{}) at {}",
                    s.kind,
                    format::score(s.points),
                    format::ts(s.ts_ms)
                )
            })
            .collect();
        incidents.push(IncidentLine {
            user_link: i.user_key.as_ref().map(|k| format!("/users/{k}?app={app}")),
            user_name: i
                .user_key
                .as_ref()
                .map(|k| {
                    users
                        .get(k)
                        .map_or_else(|| k.clone(), |u| u.display.clone())
                })
                .unwrap_or_default(),
            ip: i.ip.unwrap_or_default(),
            trigger,
            created: format!(
                "{} ({})",
                format::ts(i.created_ms),
                format::relative(i.created_ms, now)
            ),
            resolved: i.resolved_ms.map(format::ts),
            id: i.id,
            playbook: i.playbook,
            reason: i.reason,
            signals,
        });
    }
    Ok(render(&IncidentsPage {
        layout,
        state,
        incidents,
    }))
}

#[derive(Deserialize)]
pub struct ResolveForm {
    app: i64,
}

pub async fn resolve(
    State(st): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(session, f): CsrfForm<ResolveForm>,
) -> Result<Response> {
    let result = service::incidents::resolve(&st, &id)
        .await
        .map(|()| format!("incident {id} resolved"));
    Ok(done(
        &st,
        &session,
        &format!("/incidents?app={}", f.app),
        result,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triggers_read_as_sentences() {
        assert_eq!(
            trigger_text(
                r#"{"trigger":{"type":"risk_increase","increase":20.0,"window_ms":86400000}}"#
            ),
            "risk rose by 20.0 within 1 d"
        );
        assert_eq!(
            trigger_text(r#"{"trigger":{"type":"signal","name":"brute_force"}}"#),
            "signal brute_force"
        );
        assert_eq!(trigger_text("not json"), "");
    }
}
