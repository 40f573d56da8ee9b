//! Decisions: the active bans of users, IPs and CIDRs with their expiry and origin (a
//! playbook or manual), added and removed here.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use vigil_protocol::UserKey;

use super::csrf::CsrfForm;
use super::session::SignedIn;
use super::{done, format, layout, render, AppQuery, Layout, NoApp};
use crate::error::{Error, Result};
use crate::service;
use crate::service::decisions::NewDecision;
use crate::state::{now_ms, AppState};
use crate::store::dashboard::{UserOrder, UsersQuery};
use crate::store::{DecisionRow, UserRow};

/// The ban durations the forms offer: (value, label); an empty value is permanent.
pub const DURATIONS: &[(&str, &str)] = &[
    ("900", "15 minutes"),
    ("3600", "1 hour"),
    ("86400", "1 day"),
    ("604800", "7 days"),
    ("", "permanent"),
];

/// A duration field in seconds; empty means permanent.
pub fn parse_duration(s: &str) -> Result<Option<i64>> {
    match s.trim() {
        "" => Ok(None),
        s => s
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .map(Some)
            .ok_or_else(|| {
                Error::bad(
                    "invalid_decision",
                    "the duration must be a positive number of seconds",
                )
            }),
    }
}

pub struct DecisionLine {
    pub id: String,
    pub scope: String,
    pub value: String,
    /// The user's page, for user decisions.
    pub link: Option<String>,
    /// Whom a user decision names (primary identifier), when known.
    pub name: String,
    pub action: String,
    pub expires: String,
    pub origin: String,
    pub reason: String,
    pub created: String,
}

impl DecisionLine {
    pub fn new(d: &DecisionRow, user: Option<&UserRow>, now: i64) -> DecisionLine {
        let name = match (user, &d.ids) {
            (Some(u), _) => u.display.clone(),
            (None, Some(ids)) => format::ids(ids)
                .into_iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join(", "),
            (None, None) => String::new(),
        };
        DecisionLine {
            id: d.id.clone(),
            scope: d.scope.clone(),
            value: d.value.clone(),
            link: (d.scope == "user").then(|| format!("/users/{}?app={}", d.value, d.app_id)),
            name,
            action: match &d.url {
                Some(url) => format!("{} to {url}", d.action),
                None => d.action.clone(),
            },
            expires: format::expiry(d.expires_ms, now),
            origin: format::origin(&d.source),
            reason: d.reason.clone(),
            created: format::ts(d.created_ms),
        }
    }
}

#[derive(Template)]
#[template(path = "decisions.html")]
struct DecisionsPage {
    layout: Layout,
    decisions: Vec<DecisionLine>,
    durations: &'static [(&'static str, &'static str)],
}

pub async fn page(
    State(st): State<AppState>,
    session: SignedIn,
    Query(q): Query<AppQuery>,
) -> Result<Response> {
    let layout = layout(&st, session, "decisions", "Decisions", q.app).await?;
    if layout.app == 0 {
        return Ok(render(&NoApp { layout }));
    }
    let now = now_ms();
    let rows = st.store.decisions(layout.app, now).await?;
    let keys: Vec<String> = rows
        .iter()
        .filter(|d| d.scope == "user")
        .map(|d| d.value.clone())
        .collect();
    let users: HashMap<String, UserRow> = st
        .store
        .users_by_key(layout.app, &keys)
        .await?
        .into_iter()
        .map(|u| (u.user_key.clone(), u))
        .collect();
    let decisions = rows
        .iter()
        .map(|d| DecisionLine::new(d, users.get(&d.value), now))
        .collect();
    Ok(render(&DecisionsPage {
        layout,
        decisions,
        durations: DURATIONS,
    }))
}

#[derive(Deserialize)]
pub struct NewDecisionForm {
    app: i64,
    scope: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    duration: String,
    #[serde(default)]
    reason: String,
}

/// A user named by its key, or by an identifier value that exactly one user has.
async fn find_user(st: &AppState, app: i64, value: &str) -> Result<String> {
    if let Ok(key) = value.parse::<UserKey>() {
        return Ok(key.to_string());
    }
    let found = st
        .store
        .users_page(&UsersQuery {
            app,
            order: UserOrder::Risk,
            prefix: Some(value.to_owned()),
            after: None,
            limit: 50,
        })
        .await?;
    let exact: Vec<&UserRow> = found
        .iter()
        .filter(|u| format::ids(&u.ids).iter().any(|(_, v)| v == value))
        .collect();
    match exact.as_slice() {
        [u] => Ok(u.user_key.clone()),
        [] => Err(Error::bad(
            "invalid_decision",
            format!("no user has the identifier {value:?}"),
        )),
        _ => Err(Error::bad(
            "invalid_decision",
            format!("several users have the identifier {value:?}: ban one from its page"),
        )),
    }
}

pub async fn create(
    State(st): State<AppState>,
    CsrfForm(session, f): CsrfForm<NewDecisionForm>,
) -> Result<Response> {
    let back = format!("/decisions?app={}", f.app);
    let result = async {
        let mut value = f.value.trim().to_owned();
        if f.scope == "user" {
            value = find_user(&st, f.app, &value).await?;
        }
        let reason = f.reason.trim();
        let (row, _) = service::decisions::create(
            &st,
            NewDecision {
                app: f.app,
                scope: f.scope.clone(),
                value: Some(value),
                duration_s: parse_duration(&f.duration)?,
                reason: (!reason.is_empty()).then(|| reason.to_owned()),
                ..Default::default()
            },
        )
        .await?;
        Ok(format!("{} {} is banned", row.scope, row.value))
    }
    .await;
    Ok(done(&st, &session, &back, result))
}

#[derive(Deserialize)]
pub struct DeleteForm {
    /// Where to go afterwards: a path on this site.
    #[serde(default)]
    back: String,
}

pub async fn delete(
    State(st): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(session, f): CsrfForm<DeleteForm>,
) -> Result<Response> {
    // Never an open redirect: only paths of this site.
    let back = if f.back.starts_with('/') && !f.back.starts_with("//") && !f.back.contains('\\') {
        f.back
    } else {
        "/decisions".to_owned()
    };
    let result = service::decisions::remove(&st, &id)
        .await
        .map(|()| format!("decision {id} removed"));
    Ok(done(&st, &session, &back, result))
}
