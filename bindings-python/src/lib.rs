//! `vigil._native`: the thin layer between the `vigil` Python package and `vigil-core`.
//!
//! Everything Python-facing that is on a request's hot path (`auth_track`, `signup_track`,
//! `identify`, `assess`) lives here as a module-level function, so a call from application code is one
//! native call with no Python frame in between. The rest of the API is in `python/vigil/`.

use pyo3::prelude::*;

mod api;
mod convert;
mod edge;
mod errors;
mod logs;
mod request;
mod state;
mod verdict;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    logs::install();
    m.add("VERSION", vigil_core::VERSION)?;
    m.add("request_var", request::request_var(py)?)?;
    m.add_class::<request::Request>()?;
    m.add_class::<request::DecisionInfo>()?;
    m.add_class::<api::AccountExists>()?;
    m.add_class::<edge::EdgePolicy>()?;
    m.add_class::<verdict::Assessment>()?;
    m.add_function(wrap_pyfunction!(state::start, m)?)?;
    m.add_function(wrap_pyfunction!(state::started, m)?)?;
    m.add_function(wrap_pyfunction!(state::flush, m)?)?;
    m.add_function(wrap_pyfunction!(state::shutdown, m)?)?;
    m.add_function(wrap_pyfunction!(state::stats, m)?)?;
    m.add_function(wrap_pyfunction!(state::before_fork, m)?)?;
    m.add_function(wrap_pyfunction!(state::after_fork_parent, m)?)?;
    m.add_function(wrap_pyfunction!(state::after_fork_child, m)?)?;
    m.add_function(wrap_pyfunction!(api::signup_track, m)?)?;
    m.add_function(wrap_pyfunction!(api::auth_track, m)?)?;
    m.add_function(wrap_pyfunction!(api::identify, m)?)?;
    m.add_function(wrap_pyfunction!(api::track, m)?)?;
    m.add_function(wrap_pyfunction!(api::alias, m)?)?;
    m.add_function(wrap_pyfunction!(api::normalize, m)?)?;
    m.add_function(wrap_pyfunction!(api::check_request, m)?)?;
    m.add_function(wrap_pyfunction!(verdict::assess, m)?)?;
    m.add_function(wrap_pyfunction!(verdict::challenge_track, m)?)?;
    m.add_function(wrap_pyfunction!(verdict::_apply_feed, m)?)?;
    m.add_function(wrap_pyfunction!(verdict::_assess_key, m)?)?;
    m.add_function(wrap_pyfunction!(logs::set_log_level, m)?)?;
    m.add_function(wrap_pyfunction!(logs::emit_logs, m)?)?;
    Ok(())
}
