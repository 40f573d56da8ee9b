//! Dashboard sessions: a random 256-bit id in an HttpOnly, SameSite=Strict cookie, kept in
//! this process's memory (a restart signs everyone out; with several instances behind a load
//! balancer, sessions need sticky routing). The map is keyed by the id's SHA-256, so lookups
//! take no time that depends on how much of a guessed id matches.

use std::collections::HashMap;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use cookie::{Cookie, SameSite};
use parking_lot::Mutex;

use crate::auth::{hash_token, new_token};
use crate::state::{now_ms, AppState};

pub const COOKIE: &str = "vigil_session";
/// Sessions end this long after sign-in, whatever happens in between.
pub const LIFETIME_MS: i64 = 12 * 3600 * 1000;

/// A message shown once on the next page, after a form posted and redirected.
#[derive(Debug, Clone)]
pub struct Flash {
    pub error: bool,
    pub text: String,
}

struct Entry {
    csrf: String,
    expires_ms: i64,
    flash: Option<Flash>,
}

#[derive(Default)]
pub struct Sessions {
    map: Mutex<HashMap<[u8; 32], Entry>>,
}

impl Sessions {
    /// Starts a session; returns the cookie value.
    pub fn create(&self, now: i64) -> String {
        let id = new_token("");
        let mut map = self.map.lock();
        map.retain(|_, e| e.expires_ms > now);
        map.insert(
            hash_token(&id),
            Entry {
                csrf: new_token(""),
                expires_ms: now + LIFETIME_MS,
                flash: None,
            },
        );
        id
    }

    fn find(&self, id: &str, now: i64) -> Option<SignedIn> {
        let key = hash_token(id);
        let mut map = self.map.lock();
        let entry = map.get_mut(&key)?;
        if entry.expires_ms <= now {
            map.remove(&key);
            return None;
        }
        Some(SignedIn {
            key,
            csrf: entry.csrf.clone(),
            flash: entry.flash.take(),
        })
    }

    pub fn end(&self, session: &SignedIn) {
        self.map.lock().remove(&session.key);
    }

    pub fn flash(&self, session: &SignedIn, error: bool, text: impl Into<String>) {
        if let Some(e) = self.map.lock().get_mut(&session.key) {
            e.flash = Some(Flash {
                error,
                text: text.into(),
            });
        }
    }
}

/// The cookie that carries a session, or (with an empty value) ends it.
pub fn cookie(value: String, max_age_s: i64) -> String {
    Cookie::build((COOKIE, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .max_age(cookie::time::Duration::seconds(max_age_s))
        .build()
        .to_string()
}

/// The value of the named cookie in the request.
pub fn read_cookie(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

/// A request from a signed-in operator. Without a session, a page request is sent to the
/// sign-in page and anything else gets 401.
pub struct SignedIn {
    key: [u8; 32],
    pub csrf: String,
    /// The message left by the previous form, taken (shown once).
    pub flash: Option<Flash>,
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Response> {
        if let Some(found) =
            read_cookie(parts, COOKIE).and_then(|id| st.dashboard.sessions.find(&id, now_ms()))
        {
            return Ok(found);
        }
        if parts.method == Method::GET || parts.method == Method::HEAD {
            Err(Redirect::to("/login").into_response())
        } else {
            Err((StatusCode::UNAUTHORIZED, "sign in first").into_response())
        }
    }
}
