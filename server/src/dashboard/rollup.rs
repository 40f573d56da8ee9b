//! Keeps `event_minutes` (events per app, minute and type) up to date, off the ingest path:
//! the overview's chart and the apps page's counts read it instead of counting millions of
//! events per request.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::priority::{IngestActivity, DEFER};
use crate::state::now_ms;
use crate::store::Store;

const EVERY: Duration = Duration::from_secs(2);
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// Folds new events in every two seconds (at once, chunk after chunk, while behind) and drops
/// minutes older than `retention_ms`, as retention does for events.
/// Like the engine runner, it gives way to batches in flight (see priority.rs).
pub fn spawn(
    store: Arc<dyn Store>,
    retention_ms: i64,
    ingest: Arc<IngestActivity>,
    mut stop: watch::Receiver<bool>,
) {
    tokio::spawn(async move {
        let mut pruned = tokio::time::Instant::now() - PRUNE_EVERY;
        loop {
            ingest.wait_idle(DEFER).await;
            let folded = match store.roll_up_events().await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "events rollup failed");
                    0
                }
            };
            if pruned.elapsed() >= PRUNE_EVERY {
                pruned = tokio::time::Instant::now();
                let before = (now_ms() - retention_ms) / 60_000;
                if let Err(e) = store.prune_event_minutes(before).await {
                    tracing::warn!(error = %e, "events rollup retention failed");
                }
            }
            if folded > 0 && !*stop.borrow() {
                continue;
            }
            tokio::select! {
                _ = tokio::time::sleep(EVERY) => {}
                _ = stop.wait_for(|s| *s) => return,
            }
        }
    });
}
