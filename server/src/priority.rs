//! Ingest goes first. Acknowledging a batch is what SDKs wait on, while the engine runner only
//! has to keep up on average: during a burst it defers each step (for a bounded time) until no
//! batch is being parsed or written, so both the CPU and SQLite's single writer go to ingest.
//! Between bursts it catches up, and `vigil_engine_lag_events` shows how far behind it is.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

/// Longest background writers (the engine runner, the dashboard's rollup) give way to batches
/// in flight before each step. Measured at 500 000 events from 16 senders: 65 k events/s
/// acknowledged with 200 ms, 74 k with 1 s; detection runs up to this much later only while
/// batches keep arriving back to back.
pub const DEFER: Duration = Duration::from_millis(1000);

#[derive(Default)]
pub struct IngestActivity {
    in_flight: AtomicUsize,
    idle: Notify,
}

/// Held while one batch is in flight.
pub struct Busy(Arc<IngestActivity>);

impl IngestActivity {
    pub fn begin(self: &Arc<Self>) -> Busy {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        Busy(self.clone())
    }

    /// Returns once no batch is in flight, or after `max` so that a sustained burst cannot
    /// stall detection indefinitely.
    pub async fn wait_idle(&self, max: Duration) {
        let deadline = tokio::time::Instant::now() + max;
        loop {
            // Registered before the check, so an `end` in between still wakes us.
            let idle = self.idle.notified();
            if self.in_flight.load(Ordering::Acquire) == 0 {
                return;
            }
            if tokio::time::timeout_at(deadline, idle).await.is_err() {
                return;
            }
        }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        if self.0.in_flight.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[tokio::test]
    async fn waits_for_the_last_batch_or_the_deadline() {
        let activity = Arc::new(IngestActivity::default());
        let started = Instant::now();
        activity.wait_idle(Duration::from_secs(30)).await;
        assert!(started.elapsed() < Duration::from_secs(1), "idle: no wait");

        let busy = activity.begin();
        let started = Instant::now();
        activity.wait_idle(Duration::from_millis(50)).await;
        assert!(
            started.elapsed() >= Duration::from_millis(50),
            "busy: waits until the deadline"
        );

        let waiter = {
            let activity = activity.clone();
            tokio::spawn(async move {
                let started = Instant::now();
                activity.wait_idle(Duration::from_secs(30)).await;
                started.elapsed()
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        drop(busy);
        let waited = waiter.await.unwrap();
        assert!(waited >= Duration::from_millis(20) && waited < Duration::from_secs(10));
    }
}
