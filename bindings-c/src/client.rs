//! Creating, flushing, shutting down and freeing a client; stats; fork hooks.

use std::ffi::{c_char, CStr};
use std::time::Duration;

use vigil_core::Client;

use crate::normalize::out_string;
use crate::status::{
    guard, Failure, VIGIL_ERR_INVALID_JSON, VIGIL_ERR_INVALID_UTF8, VIGIL_ERR_NULL_ARGUMENT,
    VIGIL_ERR_TIMEOUT, VIGIL_OK,
};
use crate::types::{slice_of, vigil_pair};

/// More options than any configuration has (each may be given once per layer).
const MAX_OPTIONS: usize = 256;

/// An opaque client. Thread-safe: share one per process.
pub struct vigil_client {
    pub(crate) inner: Client,
}

pub(crate) unsafe fn client_ref<'a>(client: *const vigil_client) -> Result<&'a Client, Failure> {
    client
        .as_ref()
        .map(|c| &c.inner)
        .ok_or_else(|| Failure::new(VIGIL_ERR_NULL_ARGUMENT, "client is NULL"))
}

fn create(options: &[(&str, &str)], out: *mut *mut vigil_client) -> Result<i32, Failure> {
    if out.is_null() {
        return Err(Failure::new(VIGIL_ERR_NULL_ARGUMENT, "out is NULL"));
    }
    let mut opts: Vec<(&str, &str)> = vec![("lang", "c"), ("sdk_name", "vigil-c")];
    opts.extend_from_slice(options);
    let client = Client::from_options(&opts)?;
    // SAFETY: `out` was checked non-NULL; the caller guarantees it is writable.
    unsafe { *out = Box::into_raw(Box::new(vigil_client { inner: client })) };
    Ok(VIGIL_OK)
}

/// Creates a client from a JSON object of options (`{"url": "...", "token": "...",
/// "flush_interval_ms": 500, ...}`; see docs/configuration.md), layered over `vigil.toml` and
/// `VIGIL_*` variables. `config_json` may be NULL (environment and file only). Without a URL the
/// client runs in local mode. On success `*out` holds a client to free with `vigil_client_free`.
#[no_mangle]
pub unsafe extern "C" fn vigil_client_new(
    config_json: *const c_char,
    out: *mut *mut vigil_client,
) -> i32 {
    guard(|| {
        let text = match config_json.as_ref() {
            None => "{}",
            Some(_) => CStr::from_ptr(config_json).to_str().map_err(|_| {
                Failure::new(VIGIL_ERR_INVALID_UTF8, "config_json is not valid UTF-8")
            })?,
        };
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| Failure::new(VIGIL_ERR_INVALID_JSON, format!("config_json: {e}")))?;
        let object = value.as_object().ok_or_else(|| {
            Failure::new(VIGIL_ERR_INVALID_JSON, "config_json must be a JSON object")
        })?;
        let owned: Vec<(String, String)> = object
            .iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => Ok((k.clone(), s.clone())),
                serde_json::Value::Number(n) => Ok((k.clone(), n.to_string())),
                serde_json::Value::Bool(b) => Ok((k.clone(), b.to_string())),
                _ => Err(Failure::new(
                    VIGIL_ERR_INVALID_JSON,
                    format!("config_json: {k} must be a string, number or boolean"),
                )),
            })
            .collect::<Result<_, _>>()?;
        let borrowed: Vec<(&str, &str)> = owned
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        create(&borrowed, out)
    })
}

/// Creates a client from key/value options (the same keys as `vigil_client_new`).
#[no_mangle]
pub unsafe extern "C" fn vigil_client_new_options(
    options: *const vigil_pair,
    n: usize,
    out: *mut *mut vigil_client,
) -> i32 {
    guard(|| {
        let pairs: Vec<(&str, &str)> = slice_of(options, n, MAX_OPTIONS, "options")?
            .iter()
            .map(|p| {
                Ok((
                    p.key.get_or_empty("option key")?,
                    p.value.get_or_empty("option value")?,
                ))
            })
            .collect::<Result<_, Failure>>()?;
        create(&pairs, out)
    })
}

/// Flushes (2 s deadline), stops the worker and frees the client. NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn vigil_client_free(client: *mut vigil_client) {
    guard(|| {
        if !client.is_null() {
            drop(Box::from_raw(client));
        }
        Ok(VIGIL_OK)
    });
}

/// Waits up to `timeout_ms` for every event recorded so far to be delivered.
/// `VIGIL_OK`, or `VIGIL_ERR_TIMEOUT` when the deadline passed first.
#[no_mangle]
pub unsafe extern "C" fn vigil_flush(client: *const vigil_client, timeout_ms: u32) -> i32 {
    guard(|| {
        let c = client_ref(client)?;
        if c.flush(Duration::from_millis(timeout_ms.into())) {
            Ok(VIGIL_OK)
        } else {
            Err(Failure::new(
                VIGIL_ERR_TIMEOUT,
                format!("flush did not finish within {timeout_ms} ms"),
            ))
        }
    })
}

/// Flushes within `timeout_ms` and stops the worker for good (the client must still be freed).
/// Later events are dropped and counted.
#[no_mangle]
pub unsafe extern "C" fn vigil_shutdown(client: *const vigil_client, timeout_ms: u32) -> i32 {
    guard(|| {
        let c = client_ref(client)?;
        if c.shutdown(Duration::from_millis(timeout_ms.into())) {
            Ok(VIGIL_OK)
        } else {
            Err(Failure::new(
                VIGIL_ERR_TIMEOUT,
                format!("shutdown did not finish within {timeout_ms} ms"),
            ))
        }
    })
}

/// Writes the client's counters as a JSON object to `*out_json` (free with `vigil_string_free`).
#[no_mangle]
pub unsafe extern "C" fn vigil_stats_json(
    client: *const vigil_client,
    out_json: *mut *mut c_char,
) -> i32 {
    guard(|| {
        let c = client_ref(client)?;
        let json = serde_json::to_string(&c.stats()).expect("stats serialize");
        out_string(out_json, json)
    })
}

/// Call in the parent right before `fork()`: stops the worker so the child inherits no
/// half-finished request.
#[no_mangle]
pub unsafe extern "C" fn vigil_before_fork(client: *const vigil_client) -> i32 {
    guard(|| {
        client_ref(client)?.before_fork();
        Ok(VIGIL_OK)
    })
}

/// Call in the parent right after `fork()`: restarts the worker.
#[no_mangle]
pub unsafe extern "C" fn vigil_after_fork_parent(client: *const vigil_client) -> i32 {
    guard(|| {
        client_ref(client)?.after_fork_parent();
        Ok(VIGIL_OK)
    })
}

/// Call in the child right after `fork()`: drops the parent's queued events (the parent sends
/// them) and lets the child start its own worker.
#[no_mangle]
pub unsafe extern "C" fn vigil_after_fork_child(client: *const vigil_client) -> i32 {
    guard(|| {
        client_ref(client)?.after_fork_child();
        Ok(VIGIL_OK)
    })
}
