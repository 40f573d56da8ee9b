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
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            max_attempts: 5,
            timeout: DurationMs::from_secs(10),
            backoff: DurationMs::from_secs(1),
            max_backoff: DurationMs::from_mins(5),
            targets: BTreeMap::new(),
        }
    }
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
        Ok(())
    }
}
