//! State shared by request threads and the background worker.
//!
//! Request threads touch only lock-free parts here (the queue, atomics, the decision snapshot)
//! and the IP map's short lock, which the worker never takes. So a request never waits behind
//! the worker's network I/O.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crossbeam_queue::ArrayQueue;
use parking_lot::{Condvar, Mutex};
use tokio::sync::Notify;

use crate::config::Config;
use crate::decisions::DecisionStore;
use crate::event::Event;
use crate::ipmap::IpUserMap;
use crate::local::LocalEngine;
use crate::pseudonym::Pseudonymizer;
use crate::stats::Stats;
use crate::wire::SdkInfo;

pub struct Shared {
    pub config: Config,
    pub pseudonymizer: Option<Pseudonymizer>,
    pub sdk: SdkInfo,
    pub queue: ArrayQueue<Event>,
    pub stats: Stats,
    pub decisions: DecisionStore,
    pub ip_map: IpUserMap,
    /// The in-process engine when no server is configured.
    pub local: Option<Mutex<LocalEngine>>,
    /// Wakes the worker early (queue reached a batch, or a flush was asked for).
    pub wake: Notify,
    /// The server refused our token: stop sending until reconfigured.
    pub unauthorized: AtomicBool,
    flush_requested: AtomicU64,
    flushed: Mutex<u64>,
    flushed_cv: Condvar,
}

impl Shared {
    pub fn new(config: Config) -> crate::error::Result<Shared> {
        let sdk = SdkInfo {
            name: config.sdk_name.clone(),
            version: config.sdk_version.clone(),
            instance: uuid::Uuid::new_v4().simple().to_string(),
            lang: config.lang.clone(),
        };
        let local = match &config.url {
            None => Some(Mutex::new(LocalEngine::new(
                config.engine.clone().unwrap_or_default(),
            )?)),
            Some(_) => None,
        };
        Ok(Shared {
            local,
            pseudonymizer: config.pseudonymizer(),
            sdk,
            queue: ArrayQueue::new(config.queue_capacity),
            stats: Stats::default(),
            decisions: DecisionStore::new(),
            ip_map: IpUserMap::new(config.ip_map_capacity, config.ip_map_ttl),
            wake: Notify::new(),
            unauthorized: AtomicBool::new(false),
            flush_requested: AtomicU64::new(0),
            flushed: Mutex::new(0),
            flushed_cv: Condvar::new(),
            config,
        })
    }

    /// Pushes an event without blocking; a full queue drops it and counts the drop.
    pub fn enqueue(&self, event: Event) -> bool {
        match self.queue.push(event) {
            Ok(()) => {
                let n = self.stats.enqueued.fetch_add(1, Ordering::Relaxed) + 1;
                if n % self.config.batch_max_events as u64 == 0 {
                    self.wake.notify_one();
                }
                true
            }
            Err(_) => {
                Stats::add(&self.stats.dropped, 1);
                false
            }
        }
    }

    /// The flush generation the worker must reach for everything queued so far to be handled.
    pub fn request_flush(&self) -> u64 {
        let target = self.flush_requested.fetch_add(1, Ordering::AcqRel) + 1;
        self.wake.notify_one();
        target
    }

    /// The worker reads this before draining: what it drains covers that generation.
    pub fn flush_generation(&self) -> u64 {
        self.flush_requested.load(Ordering::Acquire)
    }

    /// Called by the worker once everything queued up to `generation` has been handled.
    pub fn mark_flushed(&self, generation: u64) {
        let mut done = self.flushed.lock();
        if generation > *done {
            *done = generation;
            self.flushed_cv.notify_all();
        }
    }

    /// Waits until generation `target` is flushed, or `deadline`.
    pub fn wait_flushed(&self, target: u64, deadline: Instant) -> bool {
        let mut done = self.flushed.lock();
        while *done < target {
            if self.flushed_cv.wait_until(&mut done, deadline).timed_out() {
                return *done >= target;
            }
        }
        true
    }

    /// Drops everything queued (used in a forked child: those events are the parent's).
    pub fn discard_queue(&self) -> usize {
        let mut n = 0;
        while self.queue.pop().is_some() {
            n += 1;
        }
        n
    }

    pub fn flush_interval(&self) -> Duration {
        self.config.flush_interval
    }
}
