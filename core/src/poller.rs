//! Keeps the decision snapshot fresh with a long poll on `GET /v1/decisions`.

use std::time::Duration;

use crate::backoff::Backoff;
use crate::shared::Shared;
use crate::stats::Stats;
use crate::transport::{PollOutcome, Transport};

/// Polls until the token is refused. On errors the last snapshot stays in force (each decision
/// still expires on time), so an unreachable server never unblocks anyone early nor blocks anyone.
pub async fn run(shared: &Shared, transport: &Transport) {
    let wait = shared.config.decisions_wait;
    let mut backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(30));
    loop {
        let cursor = shared.decisions.load().cursor();
        match transport.poll_decisions(cursor, wait).await {
            PollOutcome::Feed(feed) => {
                Stats::add(&shared.stats.decision_polls, 1);
                let skipped = shared.decisions.apply_feed(&feed);
                if skipped > 0 {
                    tracing::warn!(target: "vigil", skipped, "ignored decisions this SDK cannot apply");
                }
                backoff.reset();
                if wait.is_zero() {
                    tokio::time::sleep(shared.flush_interval()).await;
                }
            }
            PollOutcome::Unauthorized { status } => {
                let message =
                    format!("decision feed answered {status} to our token; polling stopped");
                tracing::error!(target: "vigil", "{message}");
                shared.stats.set_error(message);
                return;
            }
            PollOutcome::Failed { reason } => {
                tracing::debug!(target: "vigil", %reason, "decision poll failed");
                shared.stats.set_error(reason);
                tokio::time::sleep(backoff.next(None)).await;
            }
        }
    }
}
