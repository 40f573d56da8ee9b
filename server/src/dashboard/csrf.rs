//! CSRF protection: every state-changing form carries the session's token in a hidden `csrf`
//! field, compared in constant time. (The SameSite=Strict cookie already keeps other sites'
//! forms from carrying the session; the token makes that not the only defence.)

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use subtle::ConstantTimeEq;

use super::session::SignedIn;
use crate::state::AppState;

#[derive(Deserialize)]
struct Token {
    #[serde(default)]
    csrf: String,
}

/// For forms whose only field is the token.
#[derive(Deserialize)]
pub struct NoFields {}

/// True when the form's token is `expected`.
pub fn matches(form_token: &str, expected: &str) -> bool {
    !expected.is_empty() && bool::from(form_token.as_bytes().ct_eq(expected.as_bytes()))
}

/// Reads the `csrf` field of a urlencoded body.
pub fn token_of(body: &[u8]) -> String {
    serde_urlencoded::from_bytes::<Token>(body)
        .map(|t| t.csrf)
        .unwrap_or_default()
}

/// A form posted by a signed-in operator with the session's CSRF token: 401 without a
/// session, 403 without the right token, 400 when the fields do not parse.
pub struct CsrfForm<T>(pub SignedIn, pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, st: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let session = SignedIn::from_request_parts(&mut parts, st).await?;
        let req = Request::from_parts(parts, body);
        let bytes = Bytes::from_request(req, st)
            .await
            .map_err(IntoResponse::into_response)?;
        if !matches(&token_of(&bytes), &session.csrf) {
            return Err((StatusCode::FORBIDDEN, "invalid or missing CSRF token").into_response());
        }
        let form = serde_urlencoded::from_bytes::<T>(&bytes)
            .map_err(|e| (StatusCode::BAD_REQUEST, format!("invalid form: {e}")).into_response())?;
        Ok(CsrfForm(session, form))
    }
}
