//! The core's `tracing` events, delivered to Python's `logging` (the `vigil` logger).
//!
//! The core logs from its worker thread, which must never touch Python. So the subscriber only
//! queues records in Rust; they are handed to `logging` by the next SDK call made on a Python
//! thread (one relaxed atomic load when there is nothing to deliver), and by flush/shutdown.

use pyo3::prelude::*;
use vigil_core::log_queue;

/// Python `logging` level of a rank.
fn python_level(rank: u8) -> u8 {
    match rank {
        1 => 40,
        2 => 30,
        3 => 20,
        _ => 10,
    }
}

pub fn install() {
    log_queue::install();
}

/// Sets the most verbose level recorded, from Python's `logging` level number.
#[pyfunction]
pub fn set_log_level(level: u32) {
    let rank = match level {
        0..=10 => 4,
        11..=20 => 3,
        21..=30 => 2,
        _ => 1,
    };
    log_queue::set_max_rank(rank);
}

#[inline]
pub fn emit_if_pending(py: Python<'_>) {
    if log_queue::pending() {
        let _ = emit_logs(py);
    }
}

/// Hands queued records to the `vigil` logger. Returns how many were delivered.
#[pyfunction]
pub fn emit_logs(py: Python<'_>) -> PyResult<usize> {
    let (records, dropped) = log_queue::drain();
    if records.is_empty() && dropped == 0 {
        return Ok(0);
    }
    let logger = py
        .import("logging")?
        .call_method1("getLogger", ("vigil",))?;
    if dropped > 0 {
        logger.call_method1(
            "warning",
            (format!("{dropped} Vigil log records were dropped"),),
        )?;
    }
    for (rank, message) in &records {
        // A failing handler is the application's problem, not a reason to fail a tracking call.
        let _ = logger.call_method1("log", (python_level(*rank), message));
    }
    Ok(records.len())
}

/// In a forked child the parent's records are the parent's to deliver.
pub fn after_fork_child() {
    log_queue::after_fork_child();
}
