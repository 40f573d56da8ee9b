//! Playbooks: each one's trigger, actions, enabled state and last runs; notification
//! attempts and failures, and a test notification per target, sent through the real
//! notifier (so it is retried and recorded like any other).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use vigil_engine::{ActionSpec, PlaybookConfig, Trigger};

use super::csrf::CsrfForm;
use super::session::SignedIn;
use super::{done, format, layout, render, AppQuery, Layout, NoApp};
use crate::error::{Error, Result};
use crate::state::{now_ms, AppState};
use crate::store::NotificationRow;

const RUNS_EACH: i64 = 5;
const RECENT: i64 = 30;

pub struct RunLine {
    pub ts: String,
    pub action: String,
    /// A shadow playbook's run: what it would have done.
    pub shadow: bool,
    pub user_link: Option<String>,
    pub subject: String,
    pub reason: String,
}

pub struct PlaybookLine {
    pub name: String,
    pub enabled: bool,
    pub shadow: bool,
    pub trigger: String,
    pub actions: Vec<String>,
    pub cooldown: String,
    pub runs: Vec<RunLine>,
}

pub struct AttemptLine {
    pub ts: String,
    pub target: String,
    pub kind: String,
    pub attempt: i64,
    pub ok: bool,
    pub status: String,
    pub error: String,
    pub notification: String,
}

pub struct NotificationLine {
    pub id: String,
    pub target: String,
    pub state: String,
    pub attempts: i64,
    pub created: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "playbooks.html")]
struct PlaybooksPage {
    layout: Layout,
    playbooks: Vec<PlaybookLine>,
    /// (name, kind) of each configured notification target.
    targets: Vec<(String, String)>,
    notifications: Vec<NotificationLine>,
    attempts: Vec<AttemptLine>,
    failures: usize,
}

fn trigger_text(t: &Trigger) -> String {
    match t {
        Trigger::RiskIncrease { points, window } => {
            format!(
                "a user's risk rises by more than {points} within {}",
                format::span(window.ms())
            )
        }
        Trigger::RiskAbove { score } => format!("a user's risk goes above {score}"),
        Trigger::Signal { names } => format!("signal {}", names.join(" or ")),
    }
}

fn action_text(a: &ActionSpec) -> String {
    match a {
        ActionSpec::Log => "log".into(),
        ActionSpec::Incident => "open an incident".into(),
        ActionSpec::Notify { targets } => format!("notify {}", targets.join(", ")),
        ActionSpec::BlockUser { duration } => {
            format!("ban the user for {}", format::span(duration.ms()))
        }
        ActionSpec::BlockIp { duration } => format!(
            "ban the IP for {} (longer on repeat offences)",
            format::span(duration.ms())
        ),
        ActionSpec::ChallengeUser { duration } => {
            format!("challenge the user for {}", format::span(duration.ms()))
        }
        ActionSpec::ChallengeIp { duration } => {
            format!("challenge the IP for {}", format::span(duration.ms()))
        }
        ActionSpec::NotifyUser => "e-mail the user (this was me / not me)".into(),
    }
}

async fn playbook_line(st: &AppState, app: i64, p: &PlaybookConfig) -> Result<PlaybookLine> {
    let runs = st
        .store
        .playbook_runs(app, &p.name, RUNS_EACH)
        .await?
        .into_iter()
        .map(|r| RunLine {
            ts: format::ts(r.ts_ms),
            action: r.action,
            shadow: r.shadow,
            user_link: r.user_key.as_ref().map(|k| format!("/users/{k}?app={app}")),
            subject: r.user_key.or(r.ip).unwrap_or_default(),
            reason: r.reason,
        })
        .collect();
    Ok(PlaybookLine {
        name: p.name.clone(),
        enabled: p.enabled,
        shadow: p.mode == vigil_engine::Mode::Shadow,
        trigger: trigger_text(&p.trigger),
        actions: p.actions.iter().map(action_text).collect(),
        cooldown: format::span(p.cooldown.ms()),
        runs,
    })
}

pub async fn page(
    State(st): State<AppState>,
    session: SignedIn,
    Query(q): Query<AppQuery>,
) -> Result<Response> {
    let layout = layout(&st, session, "playbooks", "Playbooks", q.app).await?;
    if layout.app == 0 {
        return Ok(render(&NoApp { layout }));
    }
    let app = layout.app;
    let mut playbooks = Vec::new();
    for p in &st.config.engine.playbooks {
        playbooks.push(playbook_line(&st, app, p).await?);
    }
    // Runs name users by their primary identifier rather than their key.
    let keys: Vec<String> = playbooks
        .iter()
        .flat_map(|p| &p.runs)
        .filter(|r| r.user_link.is_some())
        .map(|r| r.subject.clone())
        .collect();
    let names: HashMap<String, String> = st
        .store
        .users_by_key(app, &keys)
        .await?
        .into_iter()
        .map(|u| (u.user_key, u.display))
        .collect();
    for run in playbooks.iter_mut().flat_map(|p| p.runs.iter_mut()) {
        if let Some(name) = names.get(&run.subject) {
            run.subject = name.clone();
        }
    }
    let notifications = st
        .store
        .notifications(Some(app), RECENT)
        .await?
        .into_iter()
        .map(|n| {
            let payload: serde_json::Value = serde_json::from_str(&n.payload).unwrap_or_default();
            NotificationLine {
                reason: payload["reason"].as_str().unwrap_or("").to_owned(),
                id: n.id,
                target: n.target,
                state: n.state,
                attempts: n.attempts,
                created: format::ts(n.created_ms),
            }
        })
        .collect();
    let attempts: Vec<AttemptLine> = st
        .store
        .attempts(Some(app), RECENT)
        .await?
        .into_iter()
        .map(|a| AttemptLine {
            ts: format::ts(a.ts_ms),
            target: a.target,
            kind: a.kind,
            attempt: a.attempt,
            ok: a.ok != 0,
            status: a.status.map(|s| s.to_string()).unwrap_or_default(),
            error: a.error.unwrap_or_default(),
            notification: a.notification_id,
        })
        .collect();
    let failures = attempts.iter().filter(|a| !a.ok).count();
    Ok(render(&PlaybooksPage {
        layout,
        playbooks,
        targets: st
            .config
            .notify
            .targets
            .iter()
            .map(|(name, t)| (name.clone(), t.kind().to_owned()))
            .collect(),
        notifications,
        attempts,
        failures,
    }))
}

#[derive(Deserialize)]
pub struct TestForm {
    app: i64,
    target: String,
}

pub async fn test_notification(
    State(st): State<AppState>,
    CsrfForm(session, f): CsrfForm<TestForm>,
) -> Result<Response> {
    let back = format!("/playbooks?app={}", f.app);
    let result = async {
        if !st.config.notify.targets.contains_key(&f.target) {
            return Err(Error::bad(
                "invalid_target",
                format!("no notification target named {:?}", f.target),
            ));
        }
        let now = now_ms();
        let id = format!("n_test_{}", &crate::auth::new_token("")[..20]);
        let payload = json!({
            "id": id,
            "app_id": f.app,
            "playbook": "dashboard-test",
            "reason": "test notification sent from the Vigil dashboard",
            "user": null,
            "ip": null,
            "ts": vigil_protocol::wire::format_ts(now),
            "test": true,
        });
        let row = NotificationRow::pending(id, f.app, &f.target, &payload, now);
        crate::service::notifications::queue(&st, row).await?;
        Ok(format!("test notification queued for {}", f.target))
    }
    .await;
    Ok(done(&st, &session, &back, result))
}
