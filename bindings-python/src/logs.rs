//! The core's `tracing` events, delivered to Python's `logging` (the `vigil` logger).
//!
//! The core logs from its worker thread, which must never touch Python. So the subscriber only
//! queues records in Rust; they are handed to `logging` by the next SDK call made on a Python
//! thread (one relaxed atomic load when there is nothing to deliver), and by flush/shutdown.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering::Relaxed};

use parking_lot::Mutex;
use pyo3::prelude::*;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// Records kept between deliveries; beyond this the oldest are dropped (a down server must not
/// grow memory through its error messages).
const CAPACITY: usize = 256;

static PENDING: AtomicBool = AtomicBool::new(false);
/// Most verbose level recorded: 1 error, 2 warn, 3 info, 4 debug, 5 trace.
static MAX_LEVEL: AtomicU8 = AtomicU8::new(2);
static QUEUE: Mutex<VecDeque<(u8, String)>> = Mutex::new(VecDeque::new());
static DROPPED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn rank(level: &Level) -> u8 {
    match *level {
        Level::ERROR => 1,
        Level::WARN => 2,
        Level::INFO => 3,
        Level::DEBUG => 4,
        Level::TRACE => 5,
    }
}

/// Python `logging` level of a rank.
fn python_level(rank: u8) -> u8 {
    match rank {
        1 => 40,
        2 => 30,
        3 => 20,
        _ => 10,
    }
}

struct Queue;

impl Subscriber for Queue {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.is_event() && rank(metadata.level()) <= MAX_LEVEL.load(Relaxed)
    }

    fn register_callsite(&self, _: &'static Metadata<'static>) -> tracing::subscriber::Interest {
        // The level can change at run time (`set_log_level`), so no callsite is cached as off.
        tracing::subscriber::Interest::sometimes()
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut text = Text(String::new(), String::new());
        event.record(&mut text);
        let Text(mut message, fields) = text;
        if !fields.is_empty() {
            message.push_str(" (");
            message.push_str(fields.trim_start_matches(", "));
            message.push(')');
        }
        let mut q = QUEUE.lock();
        if q.len() == CAPACITY {
            q.pop_front();
            DROPPED.fetch_add(1, Relaxed);
        }
        q.push_back((rank(event.metadata().level()), message));
        PENDING.store(true, Relaxed);
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

/// The message, then `key=value` for the other fields.
struct Text(String, String);

impl Visit for Text {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0.push_str(value);
        } else {
            let _ = write!(self.1, ", {}={}", field.name(), value);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        } else {
            let _ = write!(self.1, ", {}={:?}", field.name(), value);
        }
    }
}

/// Installs the queue as this module's `tracing` subscriber (the core is linked into this
/// library only, so no other code's logging is affected).
pub fn install() {
    let _ = tracing::subscriber::set_global_default(Queue);
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
    MAX_LEVEL.store(rank, Relaxed);
}

#[inline]
pub fn emit_if_pending(py: Python<'_>) {
    if PENDING.load(Relaxed) {
        let _ = emit_logs(py);
    }
}

/// Hands queued records to the `vigil` logger. Returns how many were delivered.
#[pyfunction]
pub fn emit_logs(py: Python<'_>) -> PyResult<usize> {
    let records: Vec<(u8, String)> = {
        let mut q = QUEUE.lock();
        PENDING.store(false, Relaxed);
        q.drain(..).collect()
    };
    if records.is_empty() {
        return Ok(0);
    }
    let logger = py
        .import("logging")?
        .call_method1("getLogger", ("vigil",))?;
    let dropped = DROPPED.swap(0, Relaxed);
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

/// In a forked child, a worker thread may have held the queue's lock at the fork: start over.
pub fn after_fork_child() {
    // SAFETY-free alternative to reinitializing a possibly-held lock: the worker is paused by
    // `before_fork` before any fork, so the lock is free here; clearing drops the parent's
    // records, which the parent delivers itself.
    if let Some(mut q) = QUEUE.try_lock() {
        q.clear();
    }
    PENDING.store(false, Relaxed);
}
