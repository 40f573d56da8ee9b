//! The `revoke` target: when a user answers "this wasn't me", the app's
//! `[notify.revoke_webhook]` is asked to end the user's sessions and force a password reset.
//! Signed like every webhook (`X-Vigil-Signature`), and a notification like any other, so its
//! attempts and retries show on /playbooks.

use super::{webhook, Failure};
use crate::config::RevokeWebhook;
use crate::store::NotificationRow;

/// The body's `type`.
pub const TYPE: &str = "vigil.revoke_sessions";

pub async fn send(
    http: &reqwest::Client,
    cfg: &RevokeWebhook,
    job: &NotificationRow,
) -> Result<Option<u16>, Failure> {
    webhook::send(http, &cfg.url, Some(&cfg.secret), job).await
}
