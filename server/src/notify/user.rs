//! The `user` target (`notify_user`): an e-mail to the user's own address, through
//! `[notify.user_email]`, with the signed "This was me" / "This wasn't me" links
//! (notice/email.rs says what it contains). What can never be delivered (no e-mail
//! identifier, an address the relay refuses for good) fails once, without retries.

use std::sync::Arc;
use std::time::Duration;

use lettre::message::{header::ContentTransferEncoding, Body, MultiPart, SinglePart};
use lettre::Message;

use super::email::Relay;
use super::Failure;
use crate::config::UserEmail;
use crate::notice::email::{self, Links};
use crate::notice::NoticeKey;
use crate::state::now_ms;
use crate::store::NotificationRow;

/// What the notifier needs to sign links.
#[derive(Clone)]
pub struct LinkSigner {
    pub key: Arc<NoticeKey>,
    /// `server.public_url` (config validation makes sure it is set with a user_email).
    pub base: String,
    /// Whether "this wasn't me" also calls `[notify.revoke_webhook]`: the e-mail says so.
    pub revokes: bool,
}

pub async fn send(
    cfg: &UserEmail,
    signer: &LinkSigner,
    job: &NotificationRow,
    timeout: Duration,
) -> Result<Option<u16>, Failure> {
    let payload: serde_json::Value =
        serde_json::from_str(&job.payload).map_err(|_| Failure::permanent("unreadable payload"))?;
    // The address stays out of the error: errors are stored and shown on /playbooks.
    let to = email::address(&payload)
        .ok_or_else(|| Failure::permanent("the user has no e-mail identifier"))?
        .parse()
        .map_err(|_| Failure::permanent("the user's e-mail identifier is not an address"))?;
    let from = cfg
        .from
        .parse()
        .map_err(|_| Failure::permanent("notify.user_email.from is not an address"))?;
    let links = Links {
        key: &signer.key,
        base: &signer.base,
        now: now_ms(),
        ttl_ms: cfg.notice_ttl.ms(),
        revokes: signer.revokes,
    };
    let body = email::body(&links, job, &payload).map_err(Failure::other)?;
    // Quoted-printable whatever the content: links are longer than a mail line may be, and
    // every client decodes it.
    let qp = |content: String| {
        Body::new_with_encoding(content, ContentTransferEncoding::QuotedPrintable)
            .expect("any text can be quoted-printable")
    };
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(email::SUBJECT)
        .multipart(
            MultiPart::alternative()
                .singlepart(SinglePart::plain(qp(body.text)))
                .singlepart(SinglePart::html(qp(body.html))),
        )
        .map_err(Failure::other)?;
    let relay = Relay {
        host: &cfg.host,
        port: cfg.port,
        starttls: cfg.starttls,
        username: cfg.username.as_deref(),
        password: cfg.password.as_deref(),
    };
    relay.send(message, timeout).await
}
