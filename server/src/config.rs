//! The server's configuration file: `[server]` and `[notify]` tables. The `[engine]` table of
//! the same file belongs to vigil-engine and is read by `EngineConfig::from_toml_str`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use vigil_engine::{DurationMs, EngineConfig};

use crate::error::{Error, Result};

#[derive(Debug, Clone, Default)]
pub struct Config {
    pub server: ServerConfig,
    pub notify: NotifyConfig,
    pub engine: EngineConfig,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Events, signals, risk history and decision changes older than this are deleted; the
    /// engine is rebuilt at start from what is retained, so this also bounds its memory.
    pub retention: DurationMs,
    /// Upper bound on any request but the long poll, which has its own 30 s cap.
    pub request_timeout: DurationMs,
    /// `full` (fsync on every commit: a 202 survives power loss) or `normal` (survives a
    /// crash of the process, not of the machine; faster).
    pub sqlite_synchronous: String,
    /// PostgreSQL: how often to look for new events and decisions when no NOTIFY came.
    pub pg_poll: DurationMs,
    pub max_connections: u32,
    /// Batches inflated and validated at once; 0 means one fewer than the cores (at least
    /// one), which leaves SQLite's single writer a core of its own.
    pub ingest_parsers: usize,
    /// Where users reach this server, e.g. `https://vigil.example.com`: the base of the
    /// links in end-user notices (`/notice/{token}`). Needed by `[notify.user_email]`.
    pub public_url: Option<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            retention: DurationMs::from_days(30),
            request_timeout: DurationMs::from_secs(30),
            sqlite_synchronous: "full".into(),
            pg_poll: DurationMs::from_secs(1),
            max_connections: 16,
            ingest_parsers: 0,
            public_url: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotifyConfig {
    pub max_attempts: u32,
    /// Per attempt.
    pub timeout: DurationMs,
    /// First retry delay; doubled after each failure, with jitter.
    pub backoff: DurationMs,
    pub max_backoff: DurationMs,
    pub targets: BTreeMap<String, Target>,
    /// The SMTP relay `notify_user` notices go through, to each user's own address.
    pub user_email: Option<UserEmail>,
    /// Called when a user answers "this wasn't me" (docs/server.md, End-user notices).
    pub revoke_webhook: Option<RevokeWebhook>,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            max_attempts: 5,
            timeout: DurationMs::from_secs(10),
            backoff: DurationMs::from_secs(1),
            max_backoff: DurationMs::from_mins(5),
            targets: BTreeMap::new(),
            user_email: None,
            revoke_webhook: None,
        }
    }
}

/// `[notify.user_email]`: SMTP for the e-mails sent to users themselves, and how long their
/// links work.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserEmail {
    pub host: String,
    #[serde(default = "smtp_port")]
    pub port: u16,
    #[serde(default)]
    pub starttls: bool,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    pub from: String,
    /// How long the links of a notice work after it is sent.
    #[serde(default = "notice_ttl")]
    pub notice_ttl: DurationMs,
    /// How long "this wasn't me" blocks the user.
    #[serde(default = "not_me_block")]
    pub not_me_block: DurationMs,
}

/// `[notify.revoke_webhook]`: the app's endpoint that signs a user out everywhere. The
/// secret is required: an unauthenticated endpoint that ends sessions would let anyone log
/// any user out.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeWebhook {
    pub url: String,
    pub secret: String,
}

fn notice_ttl() -> DurationMs {
    DurationMs::from_days(7)
}

fn not_me_block() -> DurationMs {
    DurationMs::from_hours(24)
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Target {
    Webhook {
        url: String,
        /// HMAC key for `X-Vigil-Signature`; unsigned when absent.
        #[serde(default)]
        secret: Option<String>,
    },
    Slack {
        url: String,
    },
    Email {
        host: String,
        #[serde(default = "smtp_port")]
        port: u16,
        #[serde(default)]
        starttls: bool,
        #[serde(default)]
        username: Option<String>,
        #[serde(default)]
        password: Option<String>,
        from: String,
        to: Vec<String>,
    },
    Pagerduty {
        #[serde(default = "pagerduty_url")]
        url: String,
        routing_key: String,
        #[serde(default = "pagerduty_severity")]
        severity: String,
    },
}

fn smtp_port() -> u16 {
    25
}

fn pagerduty_url() -> String {
    "https://events.pagerduty.com".into()
}

fn pagerduty_severity() -> String {
    "warning".into()
}

impl Target {
    pub fn kind(&self) -> &'static str {
        match self {
            Target::Webhook { .. } => "webhook",
            Target::Slack { .. } => "slack",
            Target::Email { .. } => "email",
            Target::Pagerduty { .. } => "pagerduty",
        }
    }
}

impl Config {
    pub fn from_toml_str(text: &str) -> Result<Config> {
        #[derive(Deserialize)]
        struct File {
            #[serde(default)]
            server: ServerConfig,
            #[serde(default)]
            notify: NotifyConfig,
        }
        let file: File = toml::from_str(text).map_err(|e| Error::Config(e.to_string()))?;
        let engine = EngineConfig::from_toml_str(text)?;
        let cfg = Config {
            server: file.server,
            notify: file.notify,
            engine,
        };
        cfg.validate()?;
        Ok(cfg)
    }

    pub fn load(path: Option<&Path>) -> Result<Config> {
        match path {
            Some(p) => Config::from_toml_str(&std::fs::read_to_string(p)?),
            None => Ok(Config::default()),
        }
    }

    fn validate(&self) -> Result<()> {
        if !matches!(self.server.sqlite_synchronous.as_str(), "full" | "normal") {
            return Err(Error::Config(
                "server.sqlite_synchronous must be \"full\" or \"normal\"".into(),
            ));
        }
        if self.server.retention.ms() <= 0 {
            return Err(Error::Config("server.retention must be positive".into()));
        }
        if self.notify.max_attempts == 0 {
            return Err(Error::Config(
                "notify.max_attempts must be at least 1".into(),
            ));
        }
        self.validate_notices()
    }

    /// The end-user notice settings hang together: links need a public URL, and the
    /// targets the notifier reserves for notices cannot be configured by name.
    fn validate_notices(&self) -> Result<()> {
        let bad = |m: &str| Err(Error::Config(m.into()));
        for reserved in [crate::collect::USER_TARGET, crate::collect::REVOKE_TARGET] {
            if self.notify.targets.contains_key(reserved) {
                return bad(&format!(
                    "notify.targets.{reserved}: the name is reserved for end-user notices"
                ));
            }
        }
        if let Some(url) = &self.server.public_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return bad("server.public_url must start with http:// or https://");
            }
        }
        if let Some(u) = &self.notify.user_email {
            if self.server.public_url.is_none() {
                return bad("notify.user_email needs server.public_url (the base of its links)");
            }
            if u.notice_ttl.ms() <= 0 || u.not_me_block.ms() <= 0 {
                return bad("notify.user_email: notice_ttl and not_me_block must be positive");
            }
            if u.from.parse::<lettre::message::Mailbox>().is_err() {
                return bad("notify.user_email.from is not an e-mail address");
            }
        }
        if let Some(w) = &self.notify.revoke_webhook {
            if !(w.url.starts_with("http://") || w.url.starts_with("https://")) {
                return bad("notify.revoke_webhook.url must start with http:// or https://");
            }
            if w.secret.is_empty() {
                return bad("notify.revoke_webhook.secret must not be empty");
            }
        }
        Ok(())
    }
}
