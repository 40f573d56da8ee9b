//! One user: identity, risk over time, signals, a timeline of events (IP, user agent,
//! outcome), active decisions, and ban.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::csrf::CsrfForm;
use super::decisions::{parse_duration, DecisionLine, DURATIONS};
use super::session::SignedIn;
use super::{done, format, layout, render, AppQuery, Layout, NoApp};
use crate::error::{Error, Result};
use crate::service;
use crate::service::decisions::NewDecision;
use crate::service::users::check_key;
use crate::state::{now_ms, AppState};
use crate::store::{RiskRow, StoredEvent};

const TIMELINE: i64 = 100;
const RISK_POINTS: i64 = 500;

pub struct EventLine {
    pub ts: String,
    /// `succeeded`, `failed` (and whether the account exists), or the event's own name.
    pub outcome: String,
    pub failed: bool,
    pub ip: String,
    pub user_agent: String,
    pub path: String,
}

impl EventLine {
    fn new(e: &StoredEvent) -> EventLine {
        let data: serde_json::Value = serde_json::from_str(&e.data).unwrap_or_default();
        let text = |v: &serde_json::Value| v.as_str().unwrap_or("").to_owned();
        let outcome = match e.kind.as_str() {
            "auth.success" => "login succeeded".to_owned(),
            "auth.failure" => match data["exists"].as_bool() {
                Some(false) => "login failed (no such account)".to_owned(),
                _ => "login failed".to_owned(),
            },
            "signup" => "signed up".to_owned(),
            "identify.seen" => "seen".to_owned(),
            "custom" => text(&data["name"]),
            "alias" => "identifiers changed".to_owned(),
            other => other.to_owned(),
        };
        EventLine {
            ts: format::ts(e.ts_ms),
            failed: e.kind == "auth.failure",
            outcome,
            ip: e.ip.clone().unwrap_or_default(),
            user_agent: text(&data["request"]["user_agent"]),
            path: format!(
                "{} {}",
                text(&data["request"]["method"]),
                text(&data["request"]["path"])
            )
            .trim()
            .to_owned(),
        }
    }
}

pub struct SignalLine {
    pub ts: String,
    pub kind: String,
    pub points: String,
    pub ip: String,
}

#[derive(Template)]
#[template(path = "user.html")]
struct UserPage {
    layout: Layout,
    key: String,
    primary: String,
    display: String,
    ids: Vec<(String, String)>,
    risk: String,
    risk_class: &'static str,
    last_seen: String,
    chart: Option<String>,
    signals: Vec<SignalLine>,
    events: Vec<EventLine>,
    decisions: Vec<DecisionLine>,
    durations: &'static [(&'static str, &'static str)],
}

/// Risk over time: where it started, each change, and where it is now (decayed since), or
/// nothing for a user whose risk never moved.
fn risk_chart(history: &[RiskRow], now_risk: f64, now: i64) -> Option<String> {
    let first = history.first()?;
    let mut x = vec![(first.ts_ms - 60_000) as f64 / 1000.0];
    let mut y = vec![first.risk_before];
    for r in history {
        x.push(r.ts_ms as f64 / 1000.0);
        y.push(r.risk_after);
    }
    x.push(now.max(first.ts_ms) as f64 / 1000.0);
    y.push(now_risk);
    Some(json!({"x": x, "stepped": true, "series": [{"label": "risk", "values": y}]}).to_string())
}

pub async fn page(
    State(st): State<AppState>,
    session: SignedIn,
    Path(key): Path<String>,
    Query(q): Query<AppQuery>,
) -> Result<Response> {
    check_key(&key)?;
    let mut layout = layout(&st, session, "users", "User", q.app).await?;
    if layout.app == 0 {
        return Ok(render(&NoApp { layout }));
    }
    let app = layout.app;
    let u = st
        .store
        .user(app, &key)
        .await?
        .ok_or(Error::NotFound("user"))?;
    layout.title = u.display.clone();
    let now = now_ms();
    let mut history = st.store.risk_history(app, &key, RISK_POINTS).await?;
    history.reverse();
    // Stored as of the last event; risk has decayed since, as the engine computes it.
    let half_life = st.config.engine.risk.half_life.ms().max(1) as f64;
    let risk_now = u.risk * (-((now - u.last_seen_ms).max(0) as f64) / half_life).exp2();
    let chart = risk_chart(&history, risk_now, now);
    let signals = st
        .store
        .signals(app, Some(&key), 50)
        .await?
        .into_iter()
        .map(|s| SignalLine {
            ts: format::ts(s.ts_ms),
            kind: s.kind,
            points: format::score(s.points),
            ip: s.ip.unwrap_or_default(),
        })
        .collect();
    let events = st
        .store
        .events(app, Some(&key), TIMELINE)
        .await?
        .iter()
        .map(EventLine::new)
        .collect();
    let decisions = st
        .store
        .decisions_on(app, &key, now)
        .await?
        .iter()
        .map(|d| DecisionLine::new(d, None, now))
        .collect();
    Ok(render(&UserPage {
        layout,
        key,
        primary: u.primary_key.clone(),
        display: u.display.clone(),
        ids: format::ids(&u.ids),
        risk: format::score(risk_now),
        risk_class: format::risk_class(risk_now),
        last_seen: format!(
            "{} ({})",
            format::ts(u.last_seen_ms),
            format::relative(u.last_seen_ms, now)
        ),
        chart,
        signals,
        events,
        decisions,
        durations: DURATIONS,
    }))
}

#[derive(Deserialize)]
pub struct BanForm {
    app: i64,
    #[serde(default)]
    duration: String,
    #[serde(default)]
    reason: String,
}

pub async fn ban(
    State(st): State<AppState>,
    Path(key): Path<String>,
    CsrfForm(session, f): CsrfForm<BanForm>,
) -> Result<Response> {
    check_key(&key)?;
    let back = format!("/users/{key}?app={}", f.app);
    let result = async {
        let user = st
            .store
            .user(f.app, &key)
            .await?
            .ok_or(Error::NotFound("user"))?;
        // Banned by identifiers, as playbooks do, so SDKs also see whom the key names.
        let ids = format::ids(&user.ids).into_iter().collect();
        let reason = f.reason.trim();
        service::decisions::create(
            &st,
            NewDecision {
                app: f.app,
                scope: "user".into(),
                ids: Some(ids),
                duration_s: parse_duration(&f.duration)?,
                reason: (!reason.is_empty()).then(|| reason.to_owned()),
                ..Default::default()
            },
        )
        .await?;
        Ok(format!("{} is banned", user.display))
    }
    .await;
    Ok(done(&st, &session, &back, result))
}
