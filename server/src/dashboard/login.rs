//! Signing in with the admin credential, and out. The sign-in form is protected against
//! cross-site posts (login CSRF) by a double-submit token: a random value both in a
//! short-lived SameSite=Strict cookie and in the form, which must match.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use cookie::{Cookie, SameSite};
use serde::Deserialize;

use super::csrf::{self, CsrfForm, NoFields};
use super::session::{self, read_cookie, SignedIn};
use super::{assets, render};
use crate::auth::new_token;
use crate::state::{now_ms, AppState};

const LOGIN_COOKIE: &str = "vigil_login";
/// How long each refused sign-in holds the one refusal slot.
pub const REFUSED_DELAY: std::time::Duration = std::time::Duration::from_secs(1);

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    csrf: String,
    error: Option<&'static str>,
    assets: &'static assets::Urls,
}

fn login_cookie(value: &str, max_age_s: i64) -> String {
    Cookie::build((LOGIN_COOKIE, value))
        .path("/login")
        .http_only(true)
        .same_site(SameSite::Strict)
        .max_age(cookie::time::Duration::seconds(max_age_s))
        .build()
        .to_string()
}

/// The sign-in form, with a fresh double-submit token.
fn form(status: StatusCode, error: Option<&'static str>) -> Response {
    let token = new_token("");
    let mut resp = render(&LoginPage {
        csrf: token.clone(),
        error,
        assets: &assets::URLS,
    });
    *resp.status_mut() = status;
    if let Ok(v) = login_cookie(&token, 1800).parse() {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

pub async fn page(State(st): State<AppState>, mut parts: Parts) -> Response {
    if SignedIn::from_request_parts(&mut parts, &st).await.is_ok() {
        return Redirect::to("/").into_response();
    }
    form(StatusCode::OK, None)
}

#[derive(Deserialize)]
struct Credentials {
    #[serde(default)]
    token: String,
}

pub async fn submit(State(st): State<AppState>, parts: Parts, body: Bytes) -> Response {
    let expected = read_cookie(&parts, LOGIN_COOKIE).unwrap_or_default();
    if !csrf::matches(&csrf::token_of(&body), &expected) {
        return (StatusCode::FORBIDDEN, "invalid or missing CSRF token").into_response();
    }
    let token = serde_urlencoded::from_bytes::<Credentials>(&body)
        .map(|c| c.token)
        .unwrap_or_default();
    if !st.admin.check(token.trim()) {
        tracing::info!("dashboard sign-in refused");
        let _slot = st.dashboard.refusals.lock().await;
        tokio::time::sleep(REFUSED_DELAY).await;
        return form(
            StatusCode::UNAUTHORIZED,
            Some("That is not the admin token."),
        );
    }
    let id = st.dashboard.sessions.create(now_ms());
    let mut resp = Redirect::to("/").into_response();
    let h = resp.headers_mut();
    for c in [
        session::cookie(id, session::LIFETIME_MS / 1000),
        login_cookie("", 0),
    ] {
        if let Ok(v) = c.parse() {
            h.append(header::SET_COOKIE, v);
        }
    }
    resp
}

pub async fn logout(
    State(st): State<AppState>,
    CsrfForm(session, NoFields {}): CsrfForm<NoFields>,
) -> Response {
    st.dashboard.sessions.end(&session);
    let mut resp = Redirect::to("/login").into_response();
    if let Ok(v) = session::cookie(String::new(), 0).parse() {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}
