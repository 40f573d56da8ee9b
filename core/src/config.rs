//! Client configuration, layered: defaults < `vigil.toml` < environment (`VIGIL_*`) < code.
//!
//! Every layer goes through [`Config::set`], so a key means the same thing and is checked the
//! same way wherever it comes from (a file, `VIGIL_FLUSH_INTERVAL_MS`, a Python keyword...).

use std::path::{Path, PathBuf};
use std::time::Duration;

use vigil_protocol::limits;

use crate::edge::Edge;
use crate::error::{Error, Result};
use crate::pseudonym::Pseudonymizer;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PiiMode {
    /// Identifier values are sent as given (after normalization).
    Plain,
    /// Identifier values are replaced by keyed hashes before they leave the process.
    Hash,
}

#[derive(Clone)]
pub struct Config {
    /// Server base URL; `None` means local mode (an in-process engine).
    pub url: Option<String>,
    pub token: Option<String>,
    pub pii: PiiMode,
    pub pii_secret: Option<String>,
    pub keep_email_domain: bool,
    pub flush_interval: Duration,
    pub batch_max_events: usize,
    pub batch_max_bytes: usize,
    pub queue_capacity: usize,
    pub gzip: bool,
    pub request_timeout: Duration,
    /// Long-poll the server's decision feed.
    pub decisions: bool,
    pub decisions_wait: Duration,
    pub ip_map_capacity: usize,
    pub ip_map_ttl: Duration,
    /// The `[engine]` table of the config file, for local mode (defaults when absent).
    pub engine: Option<vigil_engine::EngineConfig>,
    /// Client IP behind proxies and the block response (`[edge]`).
    pub edge: Edge,
    pub sdk_name: String,
    pub sdk_version: String,
    pub lang: String,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Secrets stay out of logs.
        f.debug_struct("Config")
            .field("url", &self.url)
            .field("token", &self.token.as_ref().map(|_| "***"))
            .field("pii", &self.pii)
            .field("flush_interval", &self.flush_interval)
            .field("batch_max_events", &self.batch_max_events)
            .field("queue_capacity", &self.queue_capacity)
            .finish_non_exhaustive()
    }
}

impl Default for Config {
    fn default() -> Config {
        Config {
            url: None,
            token: None,
            pii: PiiMode::Plain,
            pii_secret: None,
            keep_email_domain: true,
            flush_interval: Duration::from_secs(1),
            batch_max_events: 500,
            batch_max_bytes: 512 * 1024,
            queue_capacity: 10_000,
            gzip: true,
            request_timeout: Duration::from_secs(10),
            decisions: true,
            decisions_wait: Duration::from_secs(25),
            ip_map_capacity: 100_000,
            ip_map_ttl: Duration::from_secs(30 * 60),
            engine: None,
            edge: Edge::default(),
            sdk_name: "vigil-rust".into(),
            sdk_version: env!("CARGO_PKG_VERSION").into(),
            lang: "rust".into(),
        }
    }
}

/// The option names, as written in `vigil.toml`, code options and (upper-cased, `VIGIL_`
/// prefixed) environment variables.
pub const KEYS: &[&str] = &[
    "url",
    "token",
    "pii",
    "pii_secret",
    "keep_email_domain",
    "flush_interval_ms",
    "batch_max_events",
    "batch_max_bytes",
    "queue_capacity",
    "gzip",
    "request_timeout_ms",
    "decisions",
    "decisions_wait_s",
    "ip_map_capacity",
    "ip_map_ttl_s",
    "sdk_name",
    "sdk_version",
    "lang",
];

impl Config {
    /// Sets one option from its text form.
    pub fn set(&mut self, key: &str, value: &str) -> Result<()> {
        if self.edge.set(key, value)? {
            return Ok(());
        }
        let bad = |what: &str| Error::Config(format!("{key}: {what}, got {value:?}"));
        let int = |lo: u64, hi: u64| -> Result<u64> {
            value
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|n| (lo..=hi).contains(n))
                .ok_or_else(|| bad(&format!("expected an integer from {lo} to {hi}")))
        };
        let boolean = || -> Result<bool> {
            match value.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => Ok(true),
                "0" | "false" | "no" | "off" => Ok(false),
                _ => Err(bad("expected true or false")),
            }
        };
        let text = || -> Option<String> { Some(value.trim().to_owned()).filter(|v| !v.is_empty()) };
        match key {
            "url" => {
                self.url = match text() {
                    Some(u) if u.starts_with("http://") || u.starts_with("https://") => {
                        Some(u.trim_end_matches('/').to_owned())
                    }
                    Some(_) => return Err(bad("expected an http:// or https:// URL")),
                    None => None,
                }
            }
            "token" => {
                self.token = text();
                self.edge.set_token(self.token.as_deref());
            }
            "pii" => {
                self.pii = match value.trim().to_ascii_lowercase().as_str() {
                    "" | "plain" | "none" | "off" => PiiMode::Plain,
                    "hash" => PiiMode::Hash,
                    _ => return Err(bad("expected \"plain\" or \"hash\"")),
                }
            }
            "pii_secret" => self.pii_secret = text(),
            "keep_email_domain" => self.keep_email_domain = boolean()?,
            "flush_interval_ms" => self.flush_interval = Duration::from_millis(int(10, 3_600_000)?),
            // A batch the server would refuse is refused here, at start.
            "batch_max_events" => {
                self.batch_max_events = int(1, limits::MAX_BATCH_EVENTS as u64)? as usize
            }
            "batch_max_bytes" => {
                self.batch_max_bytes = int(1024, limits::MAX_BODY_BYTES as u64)? as usize
            }
            "queue_capacity" => self.queue_capacity = int(1, 10_000_000)? as usize,
            "gzip" => self.gzip = boolean()?,
            "request_timeout_ms" => self.request_timeout = Duration::from_millis(int(1, 600_000)?),
            "decisions" => self.decisions = boolean()?,
            "decisions_wait_s" => self.decisions_wait = Duration::from_secs(int(0, 30)?),
            "ip_map_capacity" => self.ip_map_capacity = int(0, 10_000_000)? as usize,
            "ip_map_ttl_s" => self.ip_map_ttl = Duration::from_secs(int(0, 86_400 * 30)?),
            "sdk_name" => self.sdk_name = text().ok_or_else(|| bad("must not be empty"))?,
            "sdk_version" => self.sdk_version = text().ok_or_else(|| bad("must not be empty"))?,
            "lang" => self.lang = text().ok_or_else(|| bad("must not be empty"))?,
            _ => return Err(Error::Config(format!("unknown option {key:?}"))),
        }
        Ok(())
    }

    /// Applies the options of a TOML document (top-level keys, and an `[engine]` table).
    pub fn apply_toml(&mut self, text: &str) -> Result<()> {
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| Error::Config(format!("vigil.toml: {}", e.message())))?;
        for (key, value) in table {
            match (key.as_str(), value) {
                ("engine", toml::Value::Table(t)) => {
                    let mut doc = toml::Table::new();
                    doc.insert("engine".into(), toml::Value::Table(t));
                    let text = toml::to_string(&doc).map_err(|e| Error::Config(e.to_string()))?;
                    let engine = vigil_engine::EngineConfig::from_toml_str(&text)
                        .map_err(|e| Error::Config(format!("vigil.toml [engine]: {e}")))?;
                    self.engine = Some(engine);
                }
                ("edge", toml::Value::Table(t)) => self.apply_edge_table(t)?,
                (_, toml::Value::String(s)) => self.set(&key, &s)?,
                (_, toml::Value::Integer(n)) => self.set(&key, &n.to_string())?,
                (_, toml::Value::Boolean(b)) => self.set(&key, &b.to_string())?,
                (_, other) => {
                    return Err(Error::Config(format!(
                        "{key}: expected a string, integer or boolean, got {}",
                        other.type_str()
                    )))
                }
            }
        }
        Ok(())
    }

    /// `[edge]`: the edge options, lists (`trusted_proxies = ["loopback", "10.0.0.0/8"]`) allowed.
    fn apply_edge_table(&mut self, table: toml::Table) -> Result<()> {
        for (key, value) in table {
            if !crate::edge::KEYS.contains(&key.as_str()) {
                return Err(Error::Config(format!(
                    "vigil.toml [edge]: unknown option {key:?}"
                )));
            }
            let text = match value {
                toml::Value::String(s) => s,
                toml::Value::Integer(n) => n.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                toml::Value::Array(items) => items
                    .iter()
                    .map(|v| v.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| Error::Config(format!("[edge] {key}: expected strings")))?
                    .join(","),
                other => {
                    return Err(Error::Config(format!(
                        "[edge] {key}: expected a string, integer, boolean or list, got {}",
                        other.type_str()
                    )))
                }
            };
            self.edge.set(&key, &text)?;
        }
        Ok(())
    }

    /// Applies `VIGIL_<KEY>` variables from `vars` (normally `std::env::vars()`).
    pub fn apply_env(&mut self, vars: impl IntoIterator<Item = (String, String)>) -> Result<()> {
        for (name, value) in vars {
            let Some(key) = name.strip_prefix("VIGIL_") else {
                continue;
            };
            let key = key.to_ascii_lowercase();
            if KEYS.contains(&key.as_str()) || crate::edge::KEYS.contains(&key.as_str()) {
                self.set(&key, &value)?;
            }
        }
        Ok(())
    }

    /// The full layering: defaults, then the config file (`config_file` option, else
    /// `VIGIL_CONFIG`, else `./vigil.toml` when present), then the environment, then `code`.
    pub fn load(code: &[(&str, &str)]) -> Result<Config> {
        let env: Vec<(String, String)> = std::env::vars().collect();
        let file = code
            .iter()
            .find(|(k, _)| *k == "config_file")
            .map(|(_, v)| PathBuf::from(v))
            .or_else(|| {
                env.iter()
                    .find(|(k, _)| k == "VIGIL_CONFIG")
                    .map(|(_, v)| PathBuf::from(v))
            });
        let mut config = Config::default();
        match file {
            Some(path) => config.apply_file(&path)?,
            None if Path::new("vigil.toml").is_file() => {
                config.apply_file(Path::new("vigil.toml"))?
            }
            None => {}
        }
        config.apply_env(env)?;
        for (k, v) in code.iter().filter(|(k, _)| *k != "config_file") {
            config.set(k, v)?;
        }
        config.validate()?;
        Ok(config)
    }

    fn apply_file(&mut self, path: &Path) -> Result<()> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Config(format!("cannot read {}: {e}", path.display())))?;
        self.apply_toml(&text)
    }

    /// Checks what no single option can: combinations.
    pub fn validate(&self) -> Result<()> {
        self.edge.validate()?;
        if self.pii == PiiMode::Hash && self.pii_secret.as_deref().is_none_or(|s| s.len() < 16) {
            return Err(Error::Config(
                "pii = \"hash\" needs pii_secret (VIGIL_PII_SECRET) of at least 16 bytes".into(),
            ));
        }
        if self.url.is_some() && self.token.is_none() {
            return Err(Error::Config(
                "url is set but token (VIGIL_TOKEN) is not".into(),
            ));
        }
        Ok(())
    }

    /// The pseudonymizer this configuration asks for, if any.
    pub fn pseudonymizer(&self) -> Option<Pseudonymizer> {
        match (self.pii, &self.pii_secret) {
            (PiiMode::Hash, Some(secret)) => Some(Pseudonymizer::new(
                secret.as_bytes(),
                self.keep_email_domain,
            )),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_apply_in_order() {
        let mut c = Config::default();
        c.apply_toml("url = \"http://127.0.0.1:1/\"\ntoken = \"file\"\nflush_interval_ms = 250\n[engine.brute_force]\nfailures = 3\n")
            .unwrap();
        c.apply_env([
            ("VIGIL_TOKEN".into(), "env".into()),
            ("OTHER".into(), "x".into()),
        ])
        .unwrap();
        assert_eq!(c.url.as_deref(), Some("http://127.0.0.1:1"));
        assert_eq!(c.token.as_deref(), Some("env"));
        assert_eq!(c.flush_interval, Duration::from_millis(250));
        assert_eq!(c.engine.as_ref().unwrap().brute_force.failures, 3);
        assert!(c.apply_toml("[engine]\nnot_an_option = 1\n").is_err());
    }

    #[test]
    fn edge_settings_in_every_layer() {
        let mut c = Config::default();
        assert_eq!(
            c.edge.resolver().trusted_proxies().len(),
            2,
            "loopback by default"
        );
        c.apply_toml(
            "[edge]\ntrusted_proxies = [\"loopback\", \"10.0.0.0/8\"]\nclient_ip_header = \"Forwarded\"\nblock_status = 429\n",
        )
        .unwrap();
        assert_eq!(c.edge.resolver().trusted_proxies().len(), 3);
        assert_eq!(c.edge.client_ip_header(), "forwarded");
        assert_eq!(c.edge.block_page().status, 429);
        c.apply_env([
            ("VIGIL_TRUSTED_PROXIES".into(), "192.0.2.0/24".into()),
            ("VIGIL_BLOCK_REDIRECT".into(), "/blocked".into()),
        ])
        .unwrap();
        assert_eq!(c.edge.resolver().trusted_proxies().len(), 1);
        assert_eq!(c.edge.block_page().redirect.as_deref(), Some("/blocked"));
        c.set("client_ip_header", "X-Real-IP").unwrap();
        assert_eq!(c.edge.client_ip_header(), "x-real-ip");
        let e = c.apply_toml("[edge]\ntrusted = \"x\"\n").unwrap_err();
        assert!(e.to_string().contains("trusted"), "{e}");
        assert!(c.apply_toml("[edge]\nblock_status = true\n").is_err());
        c.set("block_body", "no").unwrap();
        assert!(
            c.validate().is_err(),
            "block_body without block_content_type"
        );
    }

    #[test]
    fn bad_values_are_named() {
        let mut c = Config::default();
        let e = c.set("batch_max_events", "5000").unwrap_err();
        assert!(e.to_string().contains("batch_max_events"));
        assert!(c.set("nope", "1").is_err());
        assert!(c.set("url", "ftp://x").is_err());
        c.set("pii", "hash").unwrap();
        assert!(c.validate().is_err());
        c.set("pii_secret", "0123456789abcdef").unwrap();
        assert!(c.validate().is_ok());
        assert!(c.pseudonymizer().is_some());
    }
}
