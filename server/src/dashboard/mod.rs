//! The dashboard, served at `/`: server-rendered pages (askama templates under
//! `server/templates/`, checked at compile time) over the same store as the admin API, with a
//! little JS for the charts. One file per page; sessions, CSRF and assets have their own.

mod apps;
pub(crate) mod assets;
mod csrf;
mod decisions;
mod format;
mod incidents;
mod login;
mod overview;
mod playbooks;
pub mod rollup;
mod session;
mod user;
mod users;

use askama::Template;
use axum::http::{header, HeaderValue};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use crate::error::Result;
use crate::state::AppState;
use crate::store::AppRow;
pub use session::Sessions;
use session::{Flash, SignedIn};

/// What the dashboard keeps besides the shared state.
pub struct DashboardState {
    pub sessions: Sessions,
    /// Taken by every refused sign-in for `login::REFUSED_DELAY`: guesses of the admin token
    /// are one a second at most, however many connections make them.
    pub refusals: tokio::sync::Mutex<()>,
}

impl Default for DashboardState {
    fn default() -> DashboardState {
        DashboardState {
            sessions: Sessions::default(),
            refusals: tokio::sync::Mutex::new(()),
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(overview::page))
        .route("/login", get(login::page).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/users", get(users::page))
        .route("/users/{key}", get(user::page))
        .route("/users/{key}/ban", post(user::ban))
        .route("/incidents", get(incidents::page))
        .route("/incidents/{id}/resolve", post(incidents::resolve))
        .route("/decisions", get(decisions::page).post(decisions::create))
        .route("/decisions/{id}/delete", post(decisions::delete))
        .route("/playbooks", get(playbooks::page))
        .route(
            "/playbooks/test-notification",
            post(playbooks::test_notification),
        )
        .route("/apps", get(apps::page).post(apps::create))
        .route("/assets/{*path}", get(assets::get))
        .layer(axum::middleware::map_response(security_headers))
}

/// Pages load nothing from elsewhere and are never framed or cached.
async fn security_headers(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

/// What every signed-in page shows around its content.
pub struct Layout {
    pub title: String,
    /// The nav entry to highlight.
    pub page: &'static str,
    pub csrf: String,
    pub apps: Vec<AppRow>,
    /// The app the page is about (0 when there is none yet).
    pub app: i64,
    pub flash: Option<Flash>,
    pub assets: &'static assets::Urls,
}

pub struct NavItem {
    pub label: &'static str,
    pub href: String,
    pub active: bool,
}

impl Layout {
    pub fn nav(&self) -> Vec<NavItem> {
        [
            ("overview", "Overview", "/"),
            ("users", "Users", "/users"),
            ("incidents", "Incidents", "/incidents"),
            ("decisions", "Decisions", "/decisions"),
            ("playbooks", "Playbooks", "/playbooks"),
            ("apps", "Apps", "/apps"),
        ]
        .into_iter()
        .map(|(page, label, path)| NavItem {
            label,
            href: if self.app > 0 {
                format!("{path}?app={}", self.app)
            } else {
                path.to_owned()
            },
            active: page == self.page,
        })
        .collect()
    }

    pub fn app_name(&self) -> &str {
        self.apps
            .iter()
            .find(|a| a.id == self.app)
            .map_or("", |a| a.name.as_str())
    }
}

/// The `app` query parameter every page takes.
#[derive(Deserialize, Default)]
pub struct AppQuery {
    pub app: Option<i64>,
}

/// Builds the layout for the app asked for (the first app when none or an unknown one is).
pub async fn layout(
    st: &AppState,
    session: SignedIn,
    page: &'static str,
    title: impl Into<String>,
    app: Option<i64>,
) -> Result<Layout> {
    let apps = st.store.list_apps().await?;
    let app = app
        .filter(|id| apps.iter().any(|a| a.id == *id))
        .or_else(|| apps.first().map(|a| a.id))
        .unwrap_or(0);
    Ok(Layout {
        title: title.into(),
        page,
        csrf: session.csrf,
        apps,
        app,
        flash: session.flash,
        assets: &assets::URLS,
    })
}

/// Renders a page, or the crate's error response when the template fails.
pub fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => crate::error::Error::Template(e).into_response(),
    }
}

/// Shown instead of a page that needs an app while there is none.
#[derive(Template)]
#[template(path = "no_app.html")]
pub struct NoApp {
    pub layout: Layout,
}

/// After a form: back to `to` with a message shown there once.
pub fn done(st: &AppState, session: &SignedIn, to: &str, result: Result<String>) -> Response {
    match result {
        Ok(msg) => st.dashboard.sessions.flash(session, false, msg),
        Err(e) => st.dashboard.sessions.flash(session, true, e.to_string()),
    }
    Redirect::to(to).into_response()
}
