//! The process-wide client: started by `vigil.start()` or lazily by the first call, replaced by a
//! later `start()`, paused around `fork()`.

use std::sync::Arc;
use std::time::Duration;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use vigil_core::{Client, ProcessClient};

use crate::errors::IntoPyResult;
use crate::logs;

/// What the SDK says about itself unless the caller overrides it.
const SDK_DEFAULTS: [(&str, &str); 3] = [
    ("sdk_name", "vigil-python"),
    ("sdk_version", vigil_core::VERSION),
    ("lang", "python"),
];

/// The process's client: its lifecycle is the core's (`vigil_core::process`).
pub static CLIENT: ProcessClient = ProcessClient::new(&SDK_DEFAULTS);

/// The running client, starting one from `vigil.toml` and the environment on first use.
#[inline]
pub fn client(py: Python<'_>) -> PyResult<Arc<Client>> {
    logs::emit_if_pending(py);
    CLIENT.get().py_err(py)
}

/// Runs `f` on the running client (started lazily) through the core's per-thread reference:
/// the per-call paths, where cloning the `Arc` would cost more than the check.
#[inline]
pub fn with_client<R>(py: Python<'_>, f: impl FnOnce(&Client) -> PyResult<R>) -> PyResult<R> {
    logs::emit_if_pending(py);
    CLIENT.with(f).py_err(py)?
}

/// The running client, if any, without starting one.
pub fn current() -> Option<Arc<Client>> {
    CLIENT.current()
}

/// Starts with `options` (text values) over file and environment. A running client with
/// other options is flushed within `timeout` and replaced; bad options leave it running.
/// Returns whether the client runs in local mode.
#[pyfunction]
#[pyo3(signature = (options, timeout=2.0))]
pub fn start(py: Python<'_>, options: Vec<(String, String)>, timeout: f64) -> PyResult<bool> {
    let timeout = duration(timeout)?;
    let pairs: Vec<(&str, &str)> = options
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    py.allow_threads(|| CLIENT.start(&pairs, timeout))
        .py_err(py)?;
    Ok(client(py)?.is_local())
}

#[pyfunction]
pub fn started() -> bool {
    CLIENT.current().is_some()
}

#[pyfunction]
#[pyo3(signature = (timeout=2.0))]
pub fn flush(py: Python<'_>, timeout: f64) -> PyResult<bool> {
    let timeout = duration(timeout)?;
    let client = client(py)?;
    let done = py.allow_threads(|| client.flush(timeout));
    logs::emit_if_pending(py);
    Ok(done)
}

/// Flushes within `timeout` and stops the client. A later call starts a new one lazily.
#[pyfunction]
#[pyo3(signature = (timeout=2.0))]
pub fn shutdown(py: Python<'_>, timeout: f64) -> PyResult<bool> {
    let timeout = duration(timeout)?;
    let done = py.allow_threads(|| CLIENT.shutdown(timeout));
    logs::emit_if_pending(py);
    Ok(done)
}

#[pyfunction]
pub fn stats(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let client = client(py)?;
    let snapshot =
        serde_json::to_value(client.stats()).map_err(|e| PyValueError::new_err(e.to_string()))?;
    let out = PyDict::new(py);
    if let serde_json::Value::Object(map) = snapshot {
        for (k, v) in map {
            match v {
                serde_json::Value::Number(n) => out.set_item(k, n.as_u64())?,
                serde_json::Value::String(s) => out.set_item(k, s)?,
                _ => out.set_item(k, py.None())?,
            }
        }
    }
    out.set_item("local", client.is_local())?;
    Ok(out)
}

// Fork hooks, wired to `os.register_at_fork` by the Python package. They run with the GIL
// held, which is what makes it safe for the parent to pause its worker here.

#[pyfunction]
pub fn before_fork() {
    // The GIL stays held: no Python thread may record (or restart the worker) mid-pause.
    if let Some(c) = current() {
        c.before_fork();
    }
}

#[pyfunction]
pub fn after_fork_parent() {
    if let Some(c) = current() {
        c.after_fork_parent();
    }
}

#[pyfunction]
pub fn after_fork_child() {
    logs::after_fork_child();
    if let Some(c) = current() {
        c.after_fork_child();
    }
}

fn duration(seconds: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(seconds).map_err(|_| {
        PyValueError::new_err(format!(
            "timeout must be a finite number of seconds >= 0, got {seconds}"
        ))
    })
}
