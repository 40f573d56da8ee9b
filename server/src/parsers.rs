//! Batch parsing off the async workers, a few at a time. Inflating and validating 1 000 events
//! is milliseconds of CPU: on the async workers it would delay the event writer's task, and
//! with one parse per batch in flight (16 senders, 16 parses) the writer's thread would get
//! only its fair share of the cores. SQLite has a single writer, so the writer thread is what
//! bounds ingest: parses are capped at one fewer than the cores (at least one) and the writer
//! keeps a core. Measured at 500 000 events from 16 senders on 2 cores, engine runner paused:
//! 73–82 k events/s acknowledged with unbounded parsing, 106–117 k with one parser.

use std::sync::Arc;

use axum::body::Bytes;
use tokio::sync::Semaphore;

use crate::error::{Error, Result};
use crate::ingest;
use crate::store::NewEvent;

pub struct Parsers {
    slots: Arc<Semaphore>,
}

impl Parsers {
    /// `limit` 0 means one fewer than the available cores, at least one.
    pub fn new(limit: usize) -> Parsers {
        let n = match limit {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1)),
            n => n,
        };
        Parsers {
            slots: Arc::new(Semaphore::new(n.max(1))),
        }
    }

    /// Inflates (when `encoding` is gzip) and validates a batch body.
    pub async fn parse(&self, encoding: String, body: Bytes) -> Result<Vec<NewEvent>> {
        let _slot = self
            .slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Error::Unavailable)?;
        tokio::task::spawn_blocking(move || match encoding.as_str() {
            "gzip" | "x-gzip" => ingest::gunzip(&body, ingest::parse_batch),
            "identity" | "" => ingest::parse_batch(&body),
            _ => Err(Error::bad(
                "unsupported_encoding",
                "Content-Encoding must be gzip or absent",
            )),
        })
        .await
        .map_err(|_| Error::Unavailable)?
    }
}
