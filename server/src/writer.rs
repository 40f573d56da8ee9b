//! Group commit for event batches. Concurrent batches queue here and one task writes
//! everything queued in a single transaction: the commit (and, with synchronous=full or
//! PostgreSQL, its flush to disk) is paid once per group instead of once per batch. A second
//! task makes committed groups durable (`Store::sync_events`: SQLite's WAL flush, which no
//! longer holds the write lock) and only then answers their batches, so every 202 still
//! follows the flush that made its events durable while the next group is being inserted.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot, Notify};

use crate::error::{Error, Result};
use crate::state::now_ms;
use crate::store::{Batch, NewEvent, Store};

/// Batches per transaction: bounds how long one commit holds the writer.
const MAX_GROUP: usize = 32;

pub struct EventWriter {
    queue: mpsc::Sender<Job>,
}

struct Job {
    app: i64,
    events: Vec<NewEvent>,
    done: oneshot::Sender<Result<u64>>,
}

/// A committed batch waiting for its group to be durable.
struct Committed {
    done: oneshot::Sender<Result<u64>>,
    inserted: u64,
}

impl EventWriter {
    /// Starts the writing task; it ends once every `EventWriter` handle is dropped, after
    /// writing what was queued. `wake` is notified after each commit that stored events.
    pub fn start(store: Arc<dyn Store>, wake: Arc<Notify>) -> EventWriter {
        let (queue, mut jobs) = mpsc::channel::<Job>(4 * MAX_GROUP);
        // Unbounded, yet bounded by the batches in flight: each entry is a request waiting
        // for its answer.
        let (committed, to_sync) = mpsc::unbounded_channel::<Committed>();
        tokio::spawn(acknowledge(store.clone(), to_sync));
        tokio::spawn(async move {
            let mut group = Vec::with_capacity(MAX_GROUP);
            while jobs.recv_many(&mut group, MAX_GROUP).await > 0 {
                let batches: Vec<Batch<'_>> = group
                    .iter()
                    .map(|j: &Job| Batch {
                        app: j.app,
                        events: &j.events,
                    })
                    .collect();
                let started = std::time::Instant::now();
                let result = store.insert_events(&batches, now_ms()).await;
                drop(batches);
                tracing::debug!(
                    batches = group.len(),
                    ms = started.elapsed().as_secs_f64() * 1e3,
                    "group commit"
                );
                match result {
                    Ok(counts) => {
                        if counts.iter().any(|n| *n > 0) {
                            wake.notify_one();
                        }
                        for (job, inserted) in group.drain(..).zip(counts) {
                            let _ = committed.send(Committed {
                                done: job.done,
                                inserted,
                            });
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, batches = group.len(), "storing events failed");
                        fail(&e, group.drain(..).map(|j| j.done));
                    }
                }
            }
        });
        EventWriter { queue }
    }

    /// Stores one app's validated batch; returns how many events were new once they are
    /// durable.
    pub async fn write(&self, app: i64, events: Vec<NewEvent>) -> Result<u64> {
        let (done, result) = oneshot::channel();
        self.queue
            .send(Job { app, events, done })
            .await
            .map_err(|_| Error::Unavailable)?;
        result.await.map_err(|_| Error::Unavailable)?
    }
}

/// Answers committed batches once a flush after their commit has returned; one flush covers
/// every group committed before it.
async fn acknowledge(store: Arc<dyn Store>, mut to_sync: mpsc::UnboundedReceiver<Committed>) {
    let mut waiting = Vec::new();
    while to_sync.recv_many(&mut waiting, usize::MAX).await > 0 {
        match store.sync_events().await {
            Ok(()) => {
                for c in waiting.drain(..) {
                    let _ = c.done.send(Ok(c.inserted));
                }
            }
            Err(e) => fail(&e, waiting.drain(..).map(|c| c.done)),
        }
    }
}

/// Answers every batch of a group whose commit or flush failed with that one error (503).
fn fail(e: &Error, batches: impl Iterator<Item = oneshot::Sender<Result<u64>>>) {
    let message = e.to_string();
    for done in batches {
        let _ = done.send(Err(Error::Storage(message.clone())));
    }
}
