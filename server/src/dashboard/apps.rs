//! Apps: create one (its token is shown once, on the page that answers the form) and see
//! event counts per app.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::csrf::CsrfForm;
use super::session::SignedIn;
use super::{format, layout, render, AppQuery, Layout};
use crate::error::Result;
use crate::service;
use crate::state::{now_ms, AppState};

pub struct AppLine {
    pub id: i64,
    pub name: String,
    pub created: String,
    pub last_hour: i64,
    pub last_day: i64,
    pub retained: i64,
}

#[derive(Template)]
#[template(path = "apps.html")]
struct AppsPage {
    layout: Layout,
    apps: Vec<AppLine>,
    /// (app name, token) right after creating an app.
    created: Option<(String, String)>,
    error: Option<String>,
}

async fn render_page(
    st: &AppState,
    session: SignedIn,
    app: Option<i64>,
    created: Option<(String, String)>,
    error: Option<String>,
) -> Result<Response> {
    let layout = layout(st, session, "apps", "Apps", app).await?;
    let counts = st.store.app_event_counts(now_ms() / 60_000).await?;
    let apps = layout
        .apps
        .iter()
        .map(|a| {
            let c = counts
                .iter()
                .find(|c| c.app_id == a.id)
                .cloned()
                .unwrap_or_default();
            AppLine {
                id: a.id,
                name: a.name.clone(),
                created: format::ts(a.created_ms),
                last_hour: c.last_hour,
                last_day: c.last_day,
                retained: c.retained,
            }
        })
        .collect();
    Ok(render(&AppsPage {
        layout,
        apps,
        created,
        error,
    }))
}

pub async fn page(
    State(st): State<AppState>,
    session: SignedIn,
    Query(q): Query<AppQuery>,
) -> Result<Response> {
    render_page(&st, session, q.app, None, None).await
}

#[derive(Deserialize)]
pub struct NewAppForm {
    #[serde(default)]
    name: String,
}

/// Answers with the page itself rather than a redirect: the token must appear exactly once
/// and never in a URL.
pub async fn create(
    State(st): State<AppState>,
    CsrfForm(session, f): CsrfForm<NewAppForm>,
) -> Result<Response> {
    match service::apps::create(&st, &f.name).await {
        Ok((app, token)) => {
            render_page(&st, session, Some(app.id), Some((app.name, token)), None).await
        }
        Err(e) => render_page(&st, session, None, None, Some(e.to_string())).await,
    }
}
