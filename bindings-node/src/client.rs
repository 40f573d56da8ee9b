//! The process-wide client (started by `start`, or lazily from the environment and
//! `vigil.toml`), shared by every worker thread, flushed and closed on libuv's thread pool.

use std::sync::Arc;
use std::time::Duration;

use napi::bindgen_prelude::JsObjectValue;
use napi::bindgen_prelude::{AsyncTask, Object, Unknown};
use napi::{Env, Result, Task, ValueType};
use vigil_core::{Client, ProcessClient};

use crate::errors;

const SDK: &[(&str, &str)] = &[
    ("lang", "node"),
    ("sdk_name", "vigil-node"),
    ("sdk_version", env!("CARGO_PKG_VERSION")),
];

/// The process's client, shared by every worker thread; its lifecycle is the core's
/// (`vigil_core::process`): lazily started, replaced by a `start` with other options.
static CLIENT: ProcessClient = ProcessClient::new(SDK);

/// Runs `f` on the client (started lazily from the environment and `vigil.toml` when `start`
/// was not called), through the core's per-thread reference.
#[inline]
pub(crate) fn with_client<R>(env: &Env, f: impl FnOnce(&Client) -> Result<R>) -> Result<R> {
    CLIENT.with(f).map_err(|e| errors::core(env, e))?
}

/// The running client (started lazily) and its generation, for a request to keep.
pub(crate) fn current(env: &Env) -> Result<(u64, Arc<Client>)> {
    let generation = CLIENT.generation();
    let client = CLIENT.get().map_err(|e| errors::core(env, e))?;
    Ok((generation, client))
}

/// Changes whenever the process's client does.
#[inline]
pub(crate) fn generation() -> u64 {
    CLIENT.generation()
}

/// Starts the process's client from core options (strings, numbers or booleans) layered over
/// `vigil.toml` and `VIGIL_*`. A client running with other options is flushed (2 s at most)
/// and replaced; bad options throw and leave it running. Returns false when the running client
/// already had exactly these options (another worker thread started it).
#[napi]
pub fn start(env: Env, options: Option<Object>) -> Result<bool> {
    let mut owned: Vec<(String, String)> = Vec::new();
    if let Some(options) = options {
        for key in Object::keys(&options)? {
            let value: Unknown = options.get_named_property(&key)?;
            let text = match value.get_type()? {
                ValueType::String => options.get_named_property::<String>(&key)?,
                ValueType::Number => {
                    let n: f64 = options.get_named_property(&key)?;
                    if n.fract() == 0.0 && n.abs() < 9e15 {
                        format!("{}", n as i64)
                    } else {
                        n.to_string()
                    }
                }
                ValueType::Boolean => options.get_named_property::<bool>(&key)?.to_string(),
                ValueType::Undefined | ValueType::Null => continue,
                _ => {
                    return Err(errors::type_error(
                        &env,
                        &format!("option {key:?} must be a string, number or boolean"),
                    ))
                }
            };
            owned.push((key, text));
        }
    }
    let borrowed: Vec<(&str, &str)> = owned
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    CLIENT
        .start(&borrowed, Duration::from_secs(2))
        .map_err(|e| errors::core(&env, e))
}

/// The identity rules of the running client, else of the configuration; starts nothing.
pub(crate) fn normalize_rules<K: AsRef<str>, V: AsRef<str>>(
    ids: &[(K, V)],
) -> vigil_core::Result<vigil_core::Identity> {
    CLIENT.normalize(ids)
}

/// True once a client exists in this process (started by any thread).
#[napi]
pub fn is_started() -> bool {
    CLIENT.current().is_some()
}

/// True when the client runs in local mode (no server URL; the in-process engine decides).
#[napi]
pub fn is_local(env: Env) -> Result<bool> {
    with_client(&env, |c| Ok(c.is_local()))
}

/// The client's counters as JSON (not a hot path; the JS side parses it).
#[napi]
pub fn stats_json(env: Env) -> Result<String> {
    let stats = with_client(&env, |c| Ok(c.stats()))?;
    serde_json::to_string(&stats).map_err(|e| napi::Error::from_reason(e.to_string()))
}

/// Blocking flush or shutdown, run on libuv's thread pool; it touches only the client.
pub struct Drain {
    timeout: Duration,
    close: bool,
}

impl Task for Drain {
    type Output = bool;
    type JsValue = bool;

    fn compute(&mut self) -> Result<bool> {
        Ok(match CLIENT.current() {
            None => true,
            Some(c) if self.close => c.shutdown(self.timeout),
            Some(c) => c.flush(self.timeout),
        })
    }

    fn resolve(&mut self, _env: Env, delivered: bool) -> Result<bool> {
        Ok(delivered)
    }
}

/// Resolves to true once every event recorded so far is delivered, false at the deadline.
#[napi(ts_return_type = "Promise<boolean>")]
pub fn flush(timeout_ms: u32) -> AsyncTask<Drain> {
    AsyncTask::new(Drain {
        timeout: Duration::from_millis(timeout_ms.into()),
        close: false,
    })
}

/// Flushes within the deadline, then stops the worker for good (for the whole process).
#[napi(ts_return_type = "Promise<boolean>")]
pub fn close(timeout_ms: u32) -> AsyncTask<Drain> {
    AsyncTask::new(Drain {
        timeout: Duration::from_millis(timeout_ms.into()),
        close: true,
    })
}

/// For tests only: applies one decision-feed answer (`GET /v1/decisions`, JSON) to the
/// client's decisions, as `vigil_decisions_apply` does in C. Returns how many were skipped.
#[napi(js_name = "_applyFeed")]
pub fn apply_feed(env: Env, feed_json: String) -> Result<u32> {
    let feed: vigil_core::wire::DecisionFeed = serde_json::from_str(&feed_json)
        .map_err(|e| napi::Error::from_reason(format!("feed_json: {e}")))?;
    with_client(&env, |c| Ok(c.decisions().apply_feed(&feed) as u32))
}
