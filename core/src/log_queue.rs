//! The core's `tracing` events, queued for an SDK to hand to its language's logging (Python's
//! `logging`, SLF4J on the JVM).
//!
//! The core logs from its worker thread, which must never call into a language runtime. So the
//! subscriber only queues records, bounded; the binding drains them from one of its own threads
//! (the next SDK call on a Python thread; a JVM daemon thread waiting in [`wait`]).

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering::Relaxed};
use std::time::Duration;

use parking_lot::{Condvar, Mutex};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// Records kept between deliveries; beyond this the oldest are dropped (a down server must not
/// grow memory through its error messages).
const CAPACITY: usize = 256;

static PENDING: AtomicBool = AtomicBool::new(false);
/// Most verbose level recorded: 1 error, 2 warn, 3 info, 4 debug, 5 trace.
static MAX_RANK: AtomicU8 = AtomicU8::new(2);
static QUEUE: Mutex<VecDeque<(u8, String)>> = Mutex::new(VecDeque::new());
static ARRIVED: Condvar = Condvar::new();
static DROPPED: AtomicU64 = AtomicU64::new(0);

/// Rank of a level: 1 error, 2 warn, 3 info, 4 debug, 5 trace.
pub fn rank(level: &Level) -> u8 {
    match *level {
        Level::ERROR => 1,
        Level::WARN => 2,
        Level::INFO => 3,
        Level::DEBUG => 4,
        Level::TRACE => 5,
    }
}

struct Queue;

impl Subscriber for Queue {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.is_event() && rank(metadata.level()) <= MAX_RANK.load(Relaxed)
    }

    fn register_callsite(&self, _: &'static Metadata<'static>) -> tracing::subscriber::Interest {
        // The level can change at run time (`set_max_rank`), so no callsite is cached as off.
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
        ARRIVED.notify_one();
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

/// Installs the queue as the `tracing` subscriber of the library the core is linked into (an
/// SDK's own native library, so no other code's logging is affected).
pub fn install() {
    let _ = tracing::subscriber::set_global_default(Queue);
}

/// Sets the most verbose level recorded (see [`rank`]).
pub fn set_max_rank(rank: u8) {
    MAX_RANK.store(rank.clamp(1, 5), Relaxed);
}

/// True when records wait: one relaxed load, for the binding's per-call check.
#[inline]
pub fn pending() -> bool {
    PENDING.load(Relaxed)
}

/// The queued records, and how many were dropped since the last drain.
pub fn drain() -> (Vec<(u8, String)>, u64) {
    let mut q = QUEUE.lock();
    PENDING.store(false, Relaxed);
    (q.drain(..).collect(), DROPPED.swap(0, Relaxed))
}

/// Like [`drain`], waiting up to `timeout` for a first record.
pub fn wait(timeout: Duration) -> (Vec<(u8, String)>, u64) {
    let mut q = QUEUE.lock();
    if q.is_empty() {
        ARRIVED.wait_for(&mut q, timeout);
    }
    PENDING.store(false, Relaxed);
    (q.drain(..).collect(), DROPPED.swap(0, Relaxed))
}

/// In a forked child: drops the parent's records (the parent delivers them itself). The worker
/// is paused by `before_fork` before any fork, so the lock is free here; `try_lock` keeps a
/// child from hanging if that rule was broken.
pub fn after_fork_child() {
    if let Some(mut q) = QUEUE.try_lock() {
        q.clear();
    }
    PENDING.store(false, Relaxed);
}
