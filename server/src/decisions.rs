//! Decision fan-out to long polls. The hub keeps, per app that has been polled, the live
//! decision set and the recent change log in memory, loaded from the database once per change
//! (after a local write, or a NOTIFY from another instance) however many polls wait. Polls
//! are answered from memory; only a cursor older than the in-memory log reads the database.
//!
//! A waiting poll is a parked future on the app's `watch` channel, so thousands of them cost
//! memory, not CPU; loading a change wakes them all at once.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};
use tokio::sync::watch;
use vigil_protocol::wire::{DecisionFeed, WireDecision};

use crate::error::Result;
use crate::store::{DecisionChange, DecisionRow, Store};

/// Changes kept in memory per app; polls holding an older cursor read the database.
const LOG_LEN: usize = 10_000;
/// Changes read per query when catching up.
const LOAD_LIMIT: i64 = 1000;

pub struct Hub {
    store: Arc<dyn Store>,
    apps: Mutex<HashMap<i64, Arc<AppLog>>>,
}

struct AppLog {
    state: RwLock<LogState>,
    /// One load at a time per app: the polls woken by a change share its result.
    loading: tokio::sync::Mutex<()>,
    /// The cursor `state` is complete up to; polls wait for it to move.
    loaded: watch::Sender<i64>,
    /// The highest cursor announced, possibly not loaded yet.
    announced: AtomicI64,
}

#[derive(Default)]
struct LogState {
    ready: bool,
    head: i64,
    /// `changes` holds every change with a cursor above `floor`.
    floor: i64,
    /// (cursor, decision id, the decision for an upsert or `None` for a delete).
    changes: VecDeque<(i64, String, Option<Arc<Live>>)>,
    live: HashMap<String, Arc<Live>>,
}

struct Live {
    created_ms: i64,
    expires_ms: Option<i64>,
    wire: WireDecision,
}

impl Live {
    fn new(d: DecisionRow) -> Arc<Live> {
        Arc::new(Live {
            created_ms: d.created_ms,
            expires_ms: d.expires_ms,
            wire: crate::store::wire_decision(d),
        })
    }
}

impl LogState {
    fn push(&mut self, change: DecisionChange) {
        if change.cursor <= self.head {
            return;
        }
        let live = change.decision.map(Live::new);
        match &live {
            Some(d) => self.live.insert(change.id.clone(), d.clone()),
            None => self.live.remove(&change.id),
        };
        self.head = change.cursor;
        self.changes.push_back((change.cursor, change.id, live));
        while self.changes.len() > LOG_LEN {
            if let Some((cursor, _, _)) = self.changes.pop_front() {
                self.floor = cursor;
            }
        }
    }

    /// The answer to a poll holding `cursor`, or `None` when the cursor is older than the
    /// log in memory.
    fn answer(&self, cursor: i64, now: i64) -> Option<DecisionFeed> {
        let mut feed = DecisionFeed {
            cursor: self.head as u64,
            ..Default::default()
        };
        if cursor <= 0 || cursor > self.head {
            let mut live: Vec<&Live> = self
                .live
                .values()
                .filter(|d| d.expires_ms.is_none_or(|e| e > now))
                .map(|d| &**d)
                .collect();
            live.sort_by(|a, b| (a.created_ms, &a.wire.id).cmp(&(b.created_ms, &b.wire.id)));
            feed.reset = true;
            feed.upserts = live.into_iter().map(|d| d.wire.clone()).collect();
            return Some(feed);
        }
        if cursor < self.floor {
            return None;
        }
        // Only each decision's last change after the cursor matters, in cursor order.
        let start = self.changes.partition_point(|(c, _, _)| *c <= cursor);
        let mut last: HashMap<&str, usize> = HashMap::new();
        for (i, (_, id, _)) in self.changes.range(start..).enumerate() {
            last.insert(id, start + i);
        }
        for (i, (_, id, d)) in self.changes.range(start..).enumerate() {
            if last.get(id.as_str()) != Some(&(start + i)) {
                continue;
            }
            match d {
                Some(d) => feed.upserts.push(d.wire.clone()),
                None => feed.deletes.push(id.clone()),
            }
        }
        Some(feed)
    }
}

impl Hub {
    pub fn new(store: Arc<dyn Store>) -> Hub {
        Hub {
            store,
            apps: Mutex::default(),
        }
    }

    fn log(&self, app: i64) -> Arc<AppLog> {
        self.apps
            .lock()
            .entry(app)
            .or_insert_with(|| {
                Arc::new(AppLog {
                    state: RwLock::default(),
                    loading: tokio::sync::Mutex::new(()),
                    loaded: watch::channel(0).0,
                    announced: AtomicI64::new(0),
                })
            })
            .clone()
    }

    /// A receiver that changes whenever the app's feed moves. Take it before calling `feed`
    /// so a change landing in between still wakes the poll.
    pub fn subscribe(&self, app: i64) -> watch::Receiver<i64> {
        self.log(app).loaded.subscribe()
    }

    /// What a poll holding `cursor` gets now.
    pub async fn feed(&self, app: i64, cursor: i64, now: i64) -> Result<DecisionFeed> {
        let log = self.log(app);
        let (ready, head) = {
            let s = log.state.read();
            (s.ready, s.head)
        };
        // A cursor beyond ours may come from an instance whose change we have not loaded
        // yet: catch up before deciding it is unknown (which means a reset).
        if !ready || cursor > head {
            self.load(app, &log, cursor > head).await?;
        }
        let answer = log.state.read().answer(cursor, now);
        match answer {
            Some(feed) => Ok(feed),
            None => self.store.decision_feed(app, cursor, now).await,
        }
    }

    /// Announces that `app`'s decisions changed up to `cursor` (from this instance or,
    /// through NOTIFY, from another); the change is loaded once, in the background.
    pub fn publish(self: &Arc<Self>, app: i64, cursor: i64) {
        let Some(log) = self.apps.lock().get(&app).cloned() else {
            // Nobody polled this app yet: its first poll loads everything.
            return;
        };
        log.announced.fetch_max(cursor, Ordering::SeqCst);
        if cursor <= log.state.read().head {
            return;
        }
        let hub = self.clone();
        tokio::spawn(async move {
            if let Err(e) = hub.load(app, &log, false).await {
                tracing::warn!(error = %e, app, "loading decision changes failed");
            }
        });
    }

    /// Catches every polled app up with the database: what NOTIFY cannot guarantee (a
    /// listener reconnecting misses notifications) a periodic refresh does.
    pub async fn refresh(&self) {
        let logs: Vec<(i64, Arc<AppLog>)> = self
            .apps
            .lock()
            .iter()
            .map(|(a, l)| (*a, l.clone()))
            .collect();
        for (app, log) in logs {
            if let Err(e) = self.load(app, &log, true).await {
                tracing::warn!(error = %e, app, "refreshing decisions failed");
            }
        }
    }

    /// Brings `log` up to date: the whole set the first time, then the changes after its head.
    /// Without `force`, does nothing when no newer cursor was announced.
    async fn load(&self, app: i64, log: &AppLog, force: bool) -> Result<()> {
        let _one = log.loading.lock().await;
        let (ready, mut head) = {
            let s = log.state.read();
            (s.ready, s.head)
        };
        if !ready {
            return self.load_snapshot(app, log).await;
        }
        if !force && log.announced.load(Ordering::SeqCst) <= head {
            return Ok(());
        }
        loop {
            let batch = self.store.decision_changes(app, head, LOAD_LIMIT).await?;
            if batch.pruned > head {
                // Retention deleted changes we never loaded: start over from a snapshot.
                return self.load_snapshot(app, log).await;
            }
            let full = batch.changes.len() as i64 == LOAD_LIMIT;
            {
                let mut s = log.state.write();
                for change in batch.changes {
                    s.push(change);
                }
                head = s.head;
            }
            if !full {
                break;
            }
        }
        log.loaded.send_if_modified(|current| {
            let moved = head > *current;
            *current = head;
            moved
        });
        Ok(())
    }

    /// Replaces the app's state with a snapshot; the caller holds `loading`.
    async fn load_snapshot(&self, app: i64, log: &AppLog) -> Result<()> {
        let (head, rows) = self.store.decision_snapshot(app).await?;
        *log.state.write() = LogState {
            ready: true,
            head,
            floor: head,
            changes: VecDeque::new(),
            live: rows
                .into_iter()
                .map(|d| (d.id.clone(), Live::new(d)))
                .collect(),
        };
        log.loaded.send_replace(head);
        Ok(())
    }
}
