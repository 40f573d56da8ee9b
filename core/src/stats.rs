//! Counters every binding exposes as `stats()`.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use parking_lot::Mutex;

#[derive(Default)]
pub struct Stats {
    pub enqueued: AtomicU64,
    pub dropped: AtomicU64,
    pub sent: AtomicU64,
    pub batches_sent: AtomicU64,
    pub retried: AtomicU64,
    pub failed_batches: AtomicU64,
    pub failed_events: AtomicU64,
    pub decision_polls: AtomicU64,
    /// Only the worker and `stats()` touch this; never a request thread.
    last_error: Mutex<Option<String>>,
}

impl Stats {
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Relaxed);
    }

    pub fn set_error(&self, message: impl Into<String>) {
        *self.last_error.lock() = Some(message.into());
    }

    pub fn snapshot(&self, queued: usize, decisions: usize, ip_map: usize) -> StatsSnapshot {
        StatsSnapshot {
            queued: queued as u64,
            enqueued: self.enqueued.load(Relaxed),
            dropped: self.dropped.load(Relaxed),
            sent: self.sent.load(Relaxed),
            batches_sent: self.batches_sent.load(Relaxed),
            retried: self.retried.load(Relaxed),
            failed_batches: self.failed_batches.load(Relaxed),
            failed_events: self.failed_events.load(Relaxed),
            decision_polls: self.decision_polls.load(Relaxed),
            decisions: decisions as u64,
            ip_map: ip_map as u64,
            last_error: self.last_error.lock().clone(),
        }
    }
}

/// A point-in-time copy of the counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct StatsSnapshot {
    /// Events waiting in the queue now.
    pub queued: u64,
    /// Events accepted into the queue since start.
    pub enqueued: u64,
    /// Events dropped because the queue was full or the client was shut down.
    pub dropped: u64,
    /// Events acknowledged by the server (or handled by the local engine).
    pub sent: u64,
    pub batches_sent: u64,
    /// Batch attempts retried after a transient failure.
    pub retried: u64,
    /// Batches given up on (rejected as invalid, or unauthorized).
    pub failed_batches: u64,
    pub failed_events: u64,
    pub decision_polls: u64,
    /// Decisions held now.
    pub decisions: u64,
    /// Entries in the IP-to-user map.
    pub ip_map: u64,
    pub last_error: Option<String>,
}
