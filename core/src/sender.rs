//! Delivers queued events to the server, batch by batch, under protocol.md's retry rules.
//!
//! Batches wait in `Pending` until the server settles them, so if the worker is stopped in the
//! middle of a request (fork, shutdown) the batch is still there when it starts again.

use std::collections::VecDeque;
use std::sync::atomic::Ordering;

use crate::backoff::Backoff;
use crate::batch::{Batch, Limits};
use crate::event::Event;
use crate::shared::Shared;
use crate::stats::Stats;
use crate::transport::{BatchOutcome, Transport};

/// What survives a worker restart: batches not yet settled, and an event cut from the last one.
#[derive(Default)]
pub struct Pending {
    pub batches: VecDeque<Batch>,
    pub carry: Option<Event>,
}

/// Sends everything queued now; returns when every batch is settled (accepted or given up).
pub async fn drain(
    shared: &Shared,
    transport: &Transport,
    pending: &mut Pending,
    backoff: &mut Backoff,
) {
    let limits = Limits {
        max_events: shared.config.batch_max_events,
        max_bytes: shared.config.batch_max_bytes,
        gzip: shared.config.gzip,
    };
    loop {
        if pending.batches.is_empty() {
            match Batch::take(&shared.queue, &mut pending.carry, &shared.sdk, &limits) {
                Some(b) => pending.batches.push_back(b),
                None => return,
            }
        }
        if shared.unauthorized.load(Ordering::Relaxed) {
            for b in pending.batches.drain(..) {
                give_up(shared, &b);
            }
            continue;
        }
        let batch = pending.batches.front().expect("just ensured a batch");
        match transport
            .post_batch(batch.body.clone(), batch.gzipped, batch.key)
            .await
        {
            BatchOutcome::Accepted(ack) => {
                let b = pending.batches.pop_front().expect("front exists");
                if ack.duplicates > 0 {
                    tracing::debug!(target: "vigil", duplicates = ack.duplicates, "server had some events already");
                }
                Stats::add(&shared.stats.sent, b.events.len() as u64);
                Stats::add(&shared.stats.batches_sent, 1);
                backoff.reset();
            }
            BatchOutcome::TooLarge if batch.events.len() > 1 => {
                let b = pending.batches.pop_front().expect("front exists");
                let (first, second) = b.split(&shared.sdk);
                pending.batches.push_front(second);
                pending.batches.push_front(first);
            }
            BatchOutcome::TooLarge => {
                let b = pending.batches.pop_front().expect("front exists");
                shared
                    .stats
                    .set_error("server refused a single event as too large");
                tracing::warn!(target: "vigil", "server refused an event as too large; dropped");
                give_up(shared, &b);
            }
            BatchOutcome::Retry {
                retry_after,
                reason,
            } => {
                Stats::add(&shared.stats.retried, 1);
                let wait = backoff.next(retry_after);
                tracing::debug!(target: "vigil", %reason, ?wait, "batch not delivered; retrying");
                shared.stats.set_error(reason);
                tokio::time::sleep(wait).await;
            }
            BatchOutcome::Rejected { reason } => {
                let b = pending.batches.pop_front().expect("front exists");
                tracing::error!(target: "vigil", %reason, "server rejected a batch; dropped");
                shared.stats.set_error(reason);
                give_up(shared, &b);
            }
            BatchOutcome::Unauthorized { status } => {
                let b = pending.batches.pop_front().expect("front exists");
                let message = format!(
                    "server answered {status} to our token; sending stopped until reconfigured"
                );
                tracing::error!(target: "vigil", "{message}");
                shared.stats.set_error(message);
                shared.unauthorized.store(true, Ordering::Relaxed);
                give_up(shared, &b);
            }
        }
    }
}

fn give_up(shared: &Shared, batch: &Batch) {
    Stats::add(&shared.stats.failed_batches, 1);
    Stats::add(&shared.stats.failed_events, batch.events.len() as u64);
}
