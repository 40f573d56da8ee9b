//! The process's client (the core's lifecycle, `vigil_core::process`): started by
//! `Vigil.start(options)` or lazily by the first call, flushed and stopped by `close()`.

use std::sync::Arc;
use std::time::Duration;

use vigil_core::{Client, ProcessClient};

use crate::errors::{self, Result};

/// What the SDK says about itself unless the caller overrides it.
const SDK_DEFAULTS: [(&str, &str); 3] = [
    ("sdk_name", "vigil-java"),
    ("sdk_version", vigil_core::VERSION),
    ("lang", "java"),
];

pub static CLIENT: ProcessClient = ProcessClient::new(&SDK_DEFAULTS);

/// Runs `f` on the running client (started lazily) through the core's per-thread reference.
#[inline]
pub fn with<R>(f: impl FnOnce(&Client) -> Result<R>) -> Result<R> {
    CLIENT.with(f)?
}

fn client() -> Result<Arc<Client>> {
    Ok(CLIENT.get()?)
}

pub(crate) fn timeout(ms: i64) -> Result<Duration> {
    u64::try_from(ms)
        .map(Duration::from_millis)
        .map_err(|_| errors::config(format!("a timeout must be >= 0 ms, got {ms}")))
}

/// Starts with `options` (flat `key, value` list) over `vigil.toml` and `VIGIL_*`; a running
/// client with other options is flushed within `timeout_ms` and replaced, and bad options
/// leave it running. Returns whether the client runs in local mode (no server URL).
#[uniffi::export]
pub fn start(options: Vec<String>, timeout_ms: i64) -> Result<bool> {
    let timeout = timeout(timeout_ms)?;
    if options.len() % 2 != 0 {
        return Err(errors::config("options cross as key, value pairs"));
    }
    let pairs = crate::ids::pairs(&options);
    CLIENT.start(&pairs, timeout)?;
    Ok(client()?.is_local())
}

/// True when a client is running (started, or lazily by a call).
#[uniffi::export]
pub fn started() -> bool {
    CLIENT.current().is_some()
}

/// Sends what is queued, waiting at most `timeout_ms`; true when everything was delivered.
#[uniffi::export]
pub fn flush(timeout_ms: i64) -> Result<bool> {
    let timeout = timeout(timeout_ms)?;
    Ok(client()?.flush(timeout))
}

/// Flushes within `timeout_ms` and stops the client; a later call starts a new one lazily.
#[uniffi::export]
pub fn shutdown(timeout_ms: i64) -> Result<bool> {
    let timeout = timeout(timeout_ms)?;
    Ok(CLIENT.shutdown(timeout))
}

/// The client's counters.
#[derive(uniffi::Record)]
pub struct Stats {
    pub queued: i64,
    pub enqueued: i64,
    pub dropped: i64,
    pub sent: i64,
    pub batches_sent: i64,
    pub retried: i64,
    pub failed_batches: i64,
    pub failed_events: i64,
    pub decision_polls: i64,
    pub decisions: i64,
    pub ip_map: i64,
    pub last_error: Option<String>,
    pub local: bool,
}

#[uniffi::export]
pub fn stats() -> Result<Stats> {
    let client = client()?;
    let s = client.stats();
    let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    Ok(Stats {
        queued: n(s.queued),
        enqueued: n(s.enqueued),
        dropped: n(s.dropped),
        sent: n(s.sent),
        batches_sent: n(s.batches_sent),
        retried: n(s.retried),
        failed_batches: n(s.failed_batches),
        failed_events: n(s.failed_events),
        decision_polls: n(s.decision_polls),
        decisions: n(s.decisions),
        ip_map: n(s.ip_map),
        last_error: s.last_error,
        local: client.is_local(),
    })
}

/// `(ids, primary, key)` of an identity under the running client's PII settings (else the
/// configuration's); starts nothing.
#[derive(uniffi::Record)]
pub struct Normalized {
    pub ids: Vec<String>,
    pub primary: String,
    pub key: String,
}

#[uniffi::export]
pub fn normalize(ids: Vec<String>) -> Result<Normalized> {
    let user = CLIENT.normalize(&crate::ids::pairs(&ids))?;
    Ok(Normalized {
        ids: crate::ids::flatten(&user),
        primary: user.primary_key().to_owned(),
        key: user.key().to_string(),
    })
}

/// The name of the header the client IP is read from (lower case), for the servlet filter.
#[uniffi::export]
pub fn client_ip_header() -> Result<String> {
    with(|c| Ok(c.edge().client_ip_header().to_owned()))
}

/// The version of vigil-core in this library.
#[uniffi::export]
pub fn version() -> String {
    vigil_core::VERSION.to_owned()
}
