//! The pages behind a notice's links. `GET` only shows what the link will do and a button:
//! mail scanners and link previews fetch every link in a message, and an answer given by a
//! GET would be theirs. The `POST` the button sends gives the answer. The token in the path
//! is the capability, so there is no session and no CSRF token: a page that does not already
//! hold the token cannot post it. Refusals say what is wrong with the link, never anything
//! about the account.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::answer::{self, used};
use super::token::{Answer, Claims};
use crate::dashboard::assets;
use crate::error::Result;
use crate::state::{now_ms, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/notice/{token}", get(show).post(submit))
        .layer(axum::middleware::map_response(headers))
}

/// Like the dashboard's, and the token in the URL is never sent on as a Referer.
async fn headers(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src data:; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    resp
}

#[derive(Template)]
#[template(path = "notice/confirm.html")]
struct Confirm {
    me: bool,
    revokes: bool,
    assets: &'static assets::Urls,
}

#[derive(Template)]
#[template(path = "notice/done.html")]
struct Done {
    me: bool,
    revokes: bool,
    assets: &'static assets::Urls,
}

#[derive(Template)]
#[template(path = "notice/refused.html")]
struct Refused {
    message: String,
    assets: &'static assets::Urls,
}

fn verify(st: &AppState, token: &str) -> Result<Claims> {
    st.notice_key.verify(token, now_ms())
}

fn revokes(st: &AppState) -> bool {
    st.config.notify.revoke_webhook.is_some()
}

async fn show(State(st): State<AppState>, Path(token): Path<String>) -> Response {
    let page = async {
        let claims = verify(&st, &token)?;
        if st.store.notice_answer(&claims.n).await?.is_some() {
            return Err(used());
        }
        Ok(Confirm {
            me: claims.r == Answer::Me,
            revokes: revokes(&st),
            assets: &assets::URLS,
        }
        .render()?)
    };
    respond(page.await)
}

async fn submit(State(st): State<AppState>, Path(token): Path<String>) -> Response {
    let page = async {
        let claims = verify(&st, &token)?;
        answer::answer(&st, &claims).await?;
        Ok(Done {
            me: claims.r == Answer::Me,
            revokes: revokes(&st),
            assets: &assets::URLS,
        }
        .render()?)
    };
    respond(page.await)
}

/// The page, or the refusal page with the error's status. A server-side failure is not
/// described to the user (it is logged); a refusal's message is one of the fixed texts of
/// token.rs and answer.rs.
fn respond(page: Result<String>) -> Response {
    let e = match page {
        Ok(html) => return axum::response::Html(html).into_response(),
        Err(e) => e,
    };
    let status = e.status();
    let message = if status.is_server_error() {
        tracing::warn!(error = %e, "notice page failed");
        "Something went wrong on our side. Please try the link again in a few minutes.".into()
    } else {
        e.to_string()
    };
    let html = Refused {
        message,
        assets: &assets::URLS,
    }
    .render()
    .unwrap_or_else(|_| "This link cannot be used.".into());
    (status, axum::response::Html(html)).into_response()
}
