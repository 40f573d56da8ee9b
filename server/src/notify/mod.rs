//! Notifications run off the ingest path: the engine runner queues them here and a worker
//! delivers each with a timeout and retries, recording every attempt. Besides the operators'
//! named targets there are two the notifier routes itself: `user` (an e-mail to the user,
//! user.rs) and `revoke` (the app's revocation webhook, revoke.rs).

mod email;
mod pagerduty;
mod revoke;
mod slack;
mod user;
mod webhook;

use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use tokio::sync::{mpsc, Semaphore};

use crate::collect::{REVOKE_TARGET, USER_TARGET};
use crate::config::{NotifyConfig, RevokeWebhook, Target, UserEmail};
use crate::metrics::Metrics;
use crate::state::now_ms;
use crate::store::{AttemptRow, NotificationRow, Store};

pub use revoke::TYPE as REVOKE_TYPE;
pub use user::LinkSigner;
pub use webhook::sign;

/// A failed attempt: the HTTP or SMTP status when there was one, and what went wrong.
pub struct Failure {
    pub status: Option<u16>,
    pub error: String,
    /// Retrying cannot help (no address to send to, nothing configured): the notification
    /// fails at once instead of going through every attempt.
    pub permanent: bool,
}

impl Failure {
    fn other(e: impl std::fmt::Display) -> Failure {
        Failure {
            status: None,
            error: e.to_string(),
            permanent: false,
        }
    }

    fn permanent(e: impl std::fmt::Display) -> Failure {
        Failure {
            permanent: true,
            ..Failure::other(e)
        }
    }
}

/// Where a notification goes.
enum Route<'a> {
    Target(&'a Target),
    User(&'a UserEmail),
    Revoke(&'a RevokeWebhook),
    /// Nothing is configured to deliver it: this is why.
    Nowhere(String),
}

impl<'a> Route<'a> {
    fn of(config: &'a NotifyConfig, target: &str) -> Route<'a> {
        match target {
            USER_TARGET => config.user_email.as_ref().map_or_else(
                || {
                    Route::Nowhere(
                        "notify_user needs [notify.user_email]: user notices are not sent".into(),
                    )
                },
                Route::User,
            ),
            REVOKE_TARGET => config.revoke_webhook.as_ref().map_or_else(
                || {
                    Route::Nowhere(
                        "no [notify.revoke_webhook]: the app was not asked to end the user's \
                         sessions"
                            .into(),
                    )
                },
                Route::Revoke,
            ),
            name => config.targets.get(name).map_or_else(
                || Route::Nowhere(format!("no target named {name:?} in [notify.targets]")),
                Route::Target,
            ),
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Route::Target(t) => t.kind(),
            Route::User(_) => "user_email",
            Route::Revoke(_) => "revoke_webhook",
            Route::Nowhere(_) => "unknown",
        }
    }
}

/// What every delivery shares.
struct Senders {
    http: reqwest::Client,
    links: LinkSigner,
}

/// Sends a notification once; `Ok` carries the status the receiver answered with.
async fn send_once(
    senders: &Senders,
    route: &Route<'_>,
    job: &NotificationRow,
    timeout: Duration,
) -> Result<Option<u16>, Failure> {
    let http = &senders.http;
    match route {
        Route::Nowhere(why) => Err(Failure::permanent(why)),
        Route::User(cfg) => user::send(cfg, &senders.links, job, timeout).await,
        Route::Revoke(cfg) => revoke::send(http, cfg, job).await,
        Route::Target(target) => match target {
            Target::Webhook { url, secret } => {
                webhook::send(http, url, secret.as_deref(), job).await
            }
            Target::Slack { url } => slack::send(http, url, job).await,
            Target::Email { .. } => email::send(target, job, timeout).await,
            Target::Pagerduty {
                url,
                routing_key,
                severity,
            } => pagerduty::send(http, url, routing_key, severity, job).await,
        },
    }
}

#[derive(Clone)]
pub struct Notifier {
    tx: mpsc::UnboundedSender<NotificationRow>,
}

impl Notifier {
    pub fn enqueue(&self, job: NotificationRow) {
        // The worker only stops with the process; a job lost then is still pending in the
        // database and is resent at the next start.
        let _ = self.tx.send(job);
    }

    /// Starts the worker, resuming notifications left pending by a previous run; `links`
    /// signs the links of user notices.
    pub fn start(
        store: Arc<dyn Store>,
        config: NotifyConfig,
        links: LinkSigner,
        metrics: Arc<Metrics>,
    ) -> Notifier {
        let (tx, mut rx) = mpsc::unbounded_channel::<NotificationRow>();
        let notifier = Notifier { tx };
        let resume = notifier.clone();
        let http = reqwest::Client::builder()
            .timeout(config.timeout.ms_duration())
            .build()
            .unwrap_or_default();
        let senders = Arc::new(Senders { http, links });
        let config = Arc::new(config);
        let worker_store = store.clone();
        tokio::spawn(async move {
            match worker_store.pending_notifications().await {
                Ok(pending) => pending.into_iter().for_each(|j| resume.enqueue(j)),
                Err(e) => tracing::warn!(error = %e, "cannot load pending notifications"),
            }
        });
        tokio::spawn(async move {
            let slots = Arc::new(Semaphore::new(16));
            while let Some(job) = rx.recv().await {
                let Ok(permit) = slots.clone().acquire_owned().await else {
                    return;
                };
                let (store, config, senders, metrics) = (
                    store.clone(),
                    config.clone(),
                    senders.clone(),
                    metrics.clone(),
                );
                tokio::spawn(async move {
                    deliver(&*store, &config, &senders, &metrics, job).await;
                    drop(permit);
                });
            }
        });
        notifier
    }
}

trait MsDuration {
    fn ms_duration(self) -> Duration;
}

impl MsDuration for vigil_engine::DurationMs {
    fn ms_duration(self) -> Duration {
        Duration::from_millis(self.ms().max(0) as u64)
    }
}

async fn deliver(
    store: &dyn Store,
    config: &NotifyConfig,
    senders: &Senders,
    metrics: &Metrics,
    job: NotificationRow,
) {
    let route = Route::of(config, &job.target);
    let kind = route.kind();
    let timeout = config.timeout.ms_duration();
    let mut attempt = job.attempts;
    while attempt < i64::from(config.max_attempts) {
        attempt += 1;
        let result =
            match tokio::time::timeout(timeout, send_once(senders, &route, &job, timeout)).await {
                Ok(r) => r,
                Err(_) => Err(Failure::other("timed out")),
            };
        let ok = result.is_ok();
        let permanent = result.as_ref().is_err_and(|f| f.permanent);
        let last = ok || attempt >= i64::from(config.max_attempts) || permanent;
        let state = match (ok, last) {
            (true, _) => "sent",
            (false, true) => "failed",
            (false, false) => "pending",
        };
        let (status, error) = match result {
            Ok(s) => (s, None),
            Err(f) => (f.status, Some(f.error)),
        };
        if ok {
            metrics.notifications_sent.inc();
        } else {
            metrics.notification_failures.inc();
            tracing::warn!(target = %job.target, kind, attempt, "notification attempt failed");
        }
        let row = AttemptRow {
            notification_id: job.id.clone(),
            app_id: job.app_id,
            target: job.target.clone(),
            kind: kind.into(),
            attempt,
            ok: i64::from(ok),
            status: status.map(i64::from),
            error,
            ts_ms: now_ms(),
        };
        if let Err(e) = store.record_attempt(&row, state).await {
            tracing::warn!(error = %e, "cannot record a notification attempt");
        }
        if last {
            return;
        }
        // Exponential backoff with full jitter, as the SDKs do.
        let base = config.backoff.ms().max(1) as u64;
        let cap = config.max_backoff.ms().max(1) as u64;
        let exp = base
            .saturating_mul(1 << (attempt - 1).clamp(0, 20))
            .min(cap);
        let wait = rand::thread_rng().gen_range(exp / 2..=exp);
        tokio::time::sleep(Duration::from_millis(wait)).await;
    }
}

/// The one-line summary used by Slack, e-mail and PagerDuty.
fn summary(job: &NotificationRow) -> String {
    let v: serde_json::Value = serde_json::from_str(&job.payload).unwrap_or_default();
    format!(
        "Vigil: {} (playbook {}, app {})",
        v["reason"].as_str().unwrap_or("alert"),
        v["playbook"].as_str().unwrap_or("?"),
        job.app_id
    )
}

/// A request that got no answer. The URL stays out of the message: Slack's, and often a
/// webhook's, carries its credential, and errors are stored and shown.
fn transport(e: reqwest::Error) -> Failure {
    Failure::other(e.without_url())
}

async fn check_status(resp: reqwest::Response) -> Result<Option<u16>, Failure> {
    let status = resp.status();
    if status.is_success() {
        Ok(Some(status.as_u16()))
    } else {
        let body: String = resp
            .text()
            .await
            .unwrap_or_default()
            .chars()
            .take(200)
            .collect();
        Err(Failure {
            status: Some(status.as_u16()),
            error: format!("HTTP {status}: {body}"),
            permanent: false,
        })
    }
}
