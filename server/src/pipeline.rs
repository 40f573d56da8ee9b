//! The engine runner. Every instance tails the events table in sequence order (the global
//! order of commits) and feeds each event to its app's engine exactly once. The engine is
//! deterministic, so instances sharing a database compute identical effects; every stored
//! effect has an id derived from (app, playbook, subject, event seq), so whichever instance
//! writes first wins and the others' writes are no-ops.
//!
//! State survives restarts by replay: at start, events up to the stored progress are fed to
//! fresh engines with their effects discarded (they are already stored), then processing
//! resumes. Replay is bounded by retention.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{watch, Notify};
use vigil_engine::keys::parse_user;
use vigil_engine::{Effect, Engine, EngineConfig, Event, Geo, NetworkLists};
use vigil_protocol::event_kind::{EventKind, AUTH_FAILURE};

use crate::collect::collect;
use crate::decisions::Hub;
use crate::error::Result;
use crate::metrics::Metrics;
use crate::notify::Notifier;
use crate::priority::{IngestActivity, DEFER};
use crate::store::{Effects, Store, TailEvent, UserRow};

/// Events read, fed and ticked at a time (also by `replay`, so that it ticks as the runner
/// does through a backlog).
pub(crate) const CHUNK: i64 = 5000;
/// Longest a sighting waits to be written to users and the per-user event index while the
/// runner works through a backlog. Those tables only feed the dashboard, and their random keys
/// make them the dearest writes the runner does: during a burst of batches they wait, so that
/// SQLite's single writer goes to acknowledging batches (detection effects are not held back).
const USERS_EVERY: Duration = Duration::from_secs(15);
/// ... and at most this many events' worth: the write holds SQLite's only writer, which
/// batches being acknowledged wait for.
const USERS_MAX: usize = 100_000;
/// Rows of users and of the per-user event index per transaction. Their keys are random, so
/// each transaction rewrites about one page per row: smaller slices would write the same
/// pages many times over, larger ones hold up ingest (which waits for the same writer).
const BULK_ROWS: usize = 20_000;

pub struct Pipeline {
    pub store: Arc<dyn Store>,
    pub config: EngineConfig,
    /// Loaded once at start and shared by every app's engine.
    pub lists: NetworkLists,
    pub geo: Arc<Geo>,
    pub hub: Arc<Hub>,
    pub notifier: Notifier,
    pub metrics: Arc<Metrics>,
    pub wake: Arc<Notify>,
    pub poll: Duration,
    pub ingest: Arc<IngestActivity>,
}

/// The data an engine configuration names (network lists, geography), loaded as `serve`
/// loads it at start.
pub(crate) fn load_data(config: &EngineConfig) -> Result<(NetworkLists, Arc<Geo>)> {
    let lists = NetworkLists::load(&config.lists)?;
    let geo = Arc::new(Geo::load(&config.geo)?);
    Ok((lists, geo))
}

/// One engine per app, built from one configuration and fed stored events in seq order.
pub(crate) struct Runner {
    engines: HashMap<i64, Engine>,
    config: EngineConfig,
    lists: NetworkLists,
    geo: Arc<Geo>,
    out: Vec<Effect>,
}

impl Runner {
    pub(crate) fn new(config: EngineConfig, lists: NetworkLists, geo: Arc<Geo>) -> Runner {
        Runner {
            engines: HashMap::new(),
            config,
            lists,
            geo,
            out: Vec::new(),
        }
    }

    fn engine(&mut self, app: i64) -> &mut Engine {
        let Runner {
            config, lists, geo, ..
        } = self;
        self.engines
            .entry(app)
            .or_insert_with(|| Engine::with_data(config.clone(), lists.clone(), geo.clone()))
    }

    /// Feeds one stored event to its engine; the effects are left in `self.out`. Returns
    /// false for an event the engine cannot take (it was validated at ingest, so only a row
    /// written by a newer version could be).
    pub(crate) fn feed(&mut self, ev: &TailEvent) -> bool {
        self.out.clear();
        let Some(input) = engine_event(ev) else {
            return false;
        };
        let mut out = std::mem::take(&mut self.out);
        self.engine(ev.app_id).process(&input, &mut out);
        self.out = out;
        true
    }

    /// The effects of the last event fed.
    pub(crate) fn effects(&self) -> &[Effect] {
        &self.out
    }

    /// Ticks each app's engine at the latest event time it was fed in a step.
    pub(crate) fn tick(&mut self, latest: &HashMap<i64, i64>) {
        for (&app, &now) in latest {
            self.engine(app).tick(now, &mut Vec::new());
        }
    }
}

/// Converts a stored event to the engine's input.
fn engine_event(ev: &TailEvent) -> Option<Event> {
    let kind = EventKind::from_wire(
        &ev.kind,
        ev.engine.user_exists,
        || ev.engine.name.clone(),
        || parse_user(ev.engine.previous_key.as_deref()?).ok(),
    )?;
    let mut input = Event::new(ev.ts_ms, kind);
    input.user = ev.user_key.as_deref().and_then(|k| parse_user(k).ok());
    input.ip = ev.ip.as_deref().and_then(|s| s.parse::<IpAddr>().ok());
    input.email_domain = ev.engine.email_domain.clone().map(String::into_boxed_str);
    input.device = ev.engine.device.as_deref().and_then(|d| d.parse().ok());
    Some(input)
}

impl Pipeline {
    /// Runs until `shutdown` flips; replays retained events first.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) -> Result<()> {
        let mut runner = Runner::new(self.config.clone(), self.lists.clone(), self.geo.clone());
        let progress = self.store.progress().await?;
        let mut last = 0;
        let started = Instant::now();
        let mut replayed = 0u64;
        'replay: while last < progress {
            let events = self.store.events_after(last, CHUNK).await?;
            if events.is_empty() {
                break;
            }
            for ev in &events {
                if ev.seq > progress {
                    break 'replay;
                }
                runner.feed(ev);
                last = ev.seq;
                replayed += 1;
            }
        }
        last = last.max(progress);
        tracing::info!(
            events = replayed,
            ms = started.elapsed().as_millis() as u64,
            "engine state rebuilt from retained events"
        );
        let mut pending = PendingUsers::default();
        loop {
            let stopping = *shutdown.borrow();
            if !stopping {
                self.ingest.wait_idle(DEFER).await;
            }
            let events = if stopping {
                Vec::new()
            } else {
                match self.store.events_after(last, CHUNK).await {
                    Ok(e) => e,
                    Err(e) => {
                        tracing::warn!(error = %e, "reading events failed; retrying");
                        tokio::time::sleep(Duration::from_millis(500)).await;
                        continue;
                    }
                }
            };
            if events.is_empty() && pending.is_empty() {
                if stopping {
                    return Ok(());
                }
                tokio::select! {
                    _ = self.wake.notified() => {}
                    _ = tokio::time::sleep(self.poll) => {}
                    _ = shutdown.changed() => {}
                }
                continue;
            }
            let mut fx = self.step(&mut runner, &events, &mut pending);
            last = events.last().map_or(last, |e| e.seq);
            // While there is a backlog, users rows and the per-user event index wait (a burst
            // then writes each user about once a second instead of once per step) and so does
            // the stored progress, so a crash replays, idempotently,
            // the events whose users were not written.
            let caught_up = events.len() < CHUNK as usize;
            let lag = if caught_up {
                0
            } else {
                self.store.event_head().await.map_or(0, |head| head - last)
            };
            self.metrics.engine_lag.set(lag);
            if caught_up
                || stopping
                || pending.since.is_some_and(|t| t.elapsed() >= USERS_EVERY)
                || pending.user_events.len() >= USERS_MAX
            {
                fx.users = users_rows(pending.users.drain());
                fx.user_events = std::mem::take(&mut pending.user_events);
                fx.progress = last;
                pending.since = None;
            }
            self.write(fx).await;
        }
    }

    /// Stores one step's effects. Users rows and the per-user event index can run to tens of
    /// thousands of rows after a burst: they go in slices, giving way to ingest between them,
    /// and the progress goes with the last slice (a crash replays the rest idempotently).
    async fn write(&self, mut fx: Effects) {
        let mut users = std::mem::take(&mut fx.users).into_iter();
        let mut user_events = std::mem::take(&mut fx.user_events).into_iter();
        let progress = std::mem::take(&mut fx.progress);
        loop {
            fx.users = users.by_ref().take(BULK_ROWS).collect();
            fx.user_events = user_events
                .by_ref()
                .take(BULK_ROWS - fx.users.len())
                .collect();
            let last = users.len() == 0 && user_events.len() == 0;
            if last {
                fx.progress = progress;
            }
            if !fx.is_empty() || fx.progress > 0 {
                self.apply(&fx).await;
            }
            if last {
                return;
            }
            fx = Effects::default();
            self.ingest.wait_idle(DEFER).await;
        }
    }

    async fn apply(&self, fx: &Effects) {
        // The engines already moved on: retry the write, never the processing, or counters
        // would see the events twice.
        let applied = loop {
            match self.store.apply(fx).await {
                Ok(a) => break a,
                Err(e) => {
                    tracing::warn!(error = %e, "storing engine effects failed; retrying");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        };
        self.metrics.playbook_runs.inc_by(applied.runs);
        for (app, cursor) in applied.cursors {
            self.hub.publish(app, cursor);
        }
        for n in applied.notifications {
            self.notifier.enqueue(n);
        }
    }

    fn step(
        &self,
        runner: &mut Runner,
        events: &[TailEvent],
        pending: &mut PendingUsers,
    ) -> Effects {
        let mut fx = Effects::default();
        let mut latest: HashMap<i64, i64> = HashMap::new();
        for ev in events {
            if !runner.feed(ev) {
                continue;
            }
            let effects = std::mem::take(&mut runner.out);
            collect(ev, &effects, &mut fx);
            runner.out = effects;
            let t = latest.entry(ev.app_id).or_insert(ev.ts_ms);
            *t = (*t).max(ev.ts_ms);
            let Some(key) = &ev.user_key else {
                continue;
            };
            pending.since.get_or_insert_with(Instant::now);
            pending.user_events.push((ev.app_id, key.clone(), ev.seq));
            // Failures on accounts that do not exist would fill the users table with
            // whatever an enumeration run tries.
            if ev.engine.user_exists == Some(false) && ev.kind == AUTH_FAILURE {
                continue;
            }
            let Some(ids) = &ev.engine.user_ids else {
                continue;
            };
            let Ok(k) = parse_user(key) else {
                continue;
            };
            let newer = pending
                .users
                .get(&(ev.app_id, key.clone()))
                .is_none_or(|u| ev.ts_ms >= u.last_seen_ms);
            if newer {
                let risk = runner.engine(ev.app_id).user_risk(k, ev.ts_ms);
                pending.users.insert(
                    (ev.app_id, key.clone()),
                    SeenUser {
                        ids: ids.clone(),
                        risk,
                        last_seen_ms: ev.ts_ms,
                    },
                );
            }
        }
        runner.tick(&latest);
        fx
    }
}

/// What the runner writes about users only every so often (see `run`).
#[derive(Default)]
struct PendingUsers {
    users: HashMap<(i64, String), SeenUser>,
    user_events: Vec<(i64, String, i64)>,
    /// When the oldest sighting not yet written was processed.
    since: Option<Instant>,
}

impl PendingUsers {
    fn is_empty(&self) -> bool {
        self.users.is_empty() && self.user_events.is_empty()
    }
}

/// A user's latest sighting, waiting to be written.
struct SeenUser {
    ids: String,
    risk: f64,
    last_seen_ms: i64,
}

/// Rows for the users table, in key order (one lock order for concurrent writers).
fn users_rows(users: impl Iterator<Item = ((i64, String), SeenUser)>) -> Vec<UserRow> {
    let mut rows: Vec<UserRow> = users
        .filter_map(|((app, key), u)| {
            let ids: BTreeMap<String, String> = serde_json::from_str(&u.ids).ok()?;
            if ids.is_empty() {
                return None;
            }
            let identity = vigil_protocol::Identity::from_normalized(
                ids.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            );
            Some(UserRow {
                app_id: app,
                user_key: key,
                display: identity.primary_value().to_owned(),
                primary_key: identity.primary_key().to_owned(),
                ids: u.ids,
                risk: u.risk,
                last_seen_ms: u.last_seen_ms,
            })
        })
        .collect();
    rows.sort_by(|a, b| (a.app_id, &a.user_key).cmp(&(b.app_id, &b.user_key)));
    rows
}
