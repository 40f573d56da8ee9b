//! Storage behind one trait, with SQLite and PostgreSQL back ends. Both share their SQL (see
//! `shared.rs`); the differences (pools, locks, LISTEN/NOTIFY, migrations) live in their files.

pub mod dashboard;
mod event_insert;
mod postgres;
pub mod retention;
mod shared;
mod sqlite;
mod sqlite_ingest;
mod wal_sync;

use std::sync::Arc;

use async_trait::async_trait;
use serde::Serialize;
use tokio::sync::mpsc;
use vigil_protocol::wire::{format_ts, DecisionFeed, WireDecision};

use crate::config::Config;
use crate::error::{Error, Result};

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AppRow {
    pub id: i64,
    pub name: String,
    #[serde(skip)]
    pub token_hash: Vec<u8>,
    pub created_ms: i64,
}

/// A validated event ready to insert.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub event_id: [u8; 16],
    pub ts_ms: i64,
    pub kind: &'static str,
    pub user_key: Option<String>,
    pub ip: Option<String>,
    /// The event's JSON exactly as the SDK sent it.
    pub data: String,
    pub engine: EngineFields,
}

/// The fields of an event's JSON the engine runner needs, stored in their own columns so the
/// runner never parses `data`.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct EngineFields {
    /// The user's identifiers as a JSON object, keys in order.
    pub user_ids: Option<String>,
    pub user_exists: Option<bool>,
    pub name: Option<String>,
    pub previous_key: Option<String>,
    pub email_domain: Option<String>,
}

/// One app's batch, for `Store::insert_events`.
pub struct Batch<'a> {
    pub app: i64,
    pub events: &'a [NewEvent],
}

/// An event as the admin API shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredEvent {
    pub seq: i64,
    pub app_id: i64,
    pub ts_ms: i64,
    pub kind: String,
    pub user_key: Option<String>,
    pub ip: Option<String>,
    pub data: String,
    pub received_ms: i64,
}

/// An event as the engine runner reads it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TailEvent {
    pub seq: i64,
    pub app_id: i64,
    pub ts_ms: i64,
    pub kind: String,
    pub user_key: Option<String>,
    pub ip: Option<String>,
    #[sqlx(flatten)]
    pub engine: EngineFields,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct SignalRow {
    pub id: String,
    pub app_id: i64,
    pub seq: i64,
    pub kind: String,
    pub user_key: Option<String>,
    pub ip: Option<String>,
    pub points: f64,
    pub ts_ms: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RiskRow {
    pub id: String,
    pub app_id: i64,
    pub seq: i64,
    /// A user key or an IP address.
    pub subject: String,
    pub risk_before: f64,
    pub risk_after: f64,
    pub signal: Option<String>,
    pub ts_ms: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RunRow {
    pub id: String,
    pub app_id: i64,
    pub seq: i64,
    pub playbook: String,
    pub action: String,
    pub detail: String,
    pub user_key: Option<String>,
    pub ip: Option<String>,
    pub reason: String,
    pub ts_ms: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct IncidentRow {
    pub id: String,
    pub app_id: i64,
    pub seq: i64,
    pub playbook: String,
    pub user_key: Option<String>,
    pub ip: Option<String>,
    pub reason: String,
    pub state: String,
    pub created_ms: i64,
    pub resolved_ms: Option<i64>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct DecisionRow {
    pub id: String,
    pub app_id: i64,
    pub scope: String,
    pub value: String,
    pub action: String,
    pub url: Option<String>,
    pub expires_ms: Option<i64>,
    pub reason: String,
    /// JSON object of the user's identifiers, for user decisions made from identifiers.
    pub ids: Option<String>,
    pub source: String,
    pub created_ms: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct NotificationRow {
    pub id: String,
    pub app_id: i64,
    pub target: String,
    pub payload: String,
    pub state: String,
    pub attempts: i64,
    pub created_ms: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AttemptRow {
    pub notification_id: String,
    pub app_id: i64,
    pub target: String,
    pub kind: String,
    pub attempt: i64,
    pub ok: i64,
    pub status: Option<i64>,
    pub error: Option<String>,
    pub ts_ms: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct UserRow {
    pub app_id: i64,
    pub user_key: String,
    pub ids: String,
    pub primary_key: String,
    pub display: String,
    pub risk: f64,
    pub last_seen_ms: i64,
}

/// One entry of an app's decision change log.
#[derive(Debug, Clone)]
pub struct DecisionChange {
    pub cursor: i64,
    pub id: String,
    /// The decision an upsert wrote; `None` for a delete (or once the decision is deleted).
    pub decision: Option<DecisionRow>,
}

#[derive(Debug, Default)]
pub struct DecisionChanges {
    /// The highest cursor retention deleted: a reader holding less has missed changes.
    pub pruned: i64,
    pub changes: Vec<DecisionChange>,
}

/// Everything one pipeline step writes, in one transaction with the engine's progress.
#[derive(Debug, Default)]
pub struct Effects {
    pub signals: Vec<SignalRow>,
    pub risk: Vec<RiskRow>,
    pub runs: Vec<RunRow>,
    pub incidents: Vec<IncidentRow>,
    pub decisions: Vec<DecisionRow>,
    pub notifications: Vec<NotificationRow>,
    pub users: Vec<UserRow>,
    /// (app, user key, event seq): the per-user event index the dashboard reads.
    pub user_events: Vec<(i64, String, i64)>,
    /// The sequence number of the last event these effects cover; 0 leaves the stored
    /// progress as it is.
    pub progress: i64,
}

impl Effects {
    pub fn is_empty(&self) -> bool {
        self.signals.is_empty()
            && self.risk.is_empty()
            && self.runs.is_empty()
            && self.incidents.is_empty()
            && self.decisions.is_empty()
            && self.notifications.is_empty()
            && self.users.is_empty()
            && self.user_events.is_empty()
    }
}

/// What `apply` actually inserted: other instances may have written the same effects first.
#[derive(Debug, Default)]
pub struct Applied {
    /// (app, new decision cursor) for each app whose decisions changed.
    pub cursors: Vec<(i64, i64)>,
    pub decisions: u64,
    pub runs: u64,
    /// Notifications this instance inserted, hence sends.
    pub notifications: Vec<NotificationRow>,
}

/// Something another writer did that this instance should react to (PostgreSQL NOTIFY).
#[derive(Debug, Clone, Copy)]
pub enum Change {
    Events,
    Decisions { app: i64, cursor: i64 },
}

#[async_trait]
pub trait Store: dashboard::DashboardStore + Send + Sync + 'static {
    fn backend(&self) -> &'static str;
    async fn ping(&self) -> Result<()>;

    async fn create_app(&self, name: &str, token_hash: &[u8; 32], now: i64) -> Result<AppRow>;
    async fn list_apps(&self) -> Result<Vec<AppRow>>;
    async fn admin_hash(&self) -> Result<Option<[u8; 32]>>;
    async fn set_admin_hash(&self, hash: &[u8; 32]) -> Result<()>;

    /// The highest event seq stored (0 when there is none).
    async fn event_head(&self) -> Result<i64>;

    /// Inserts batches in one transaction, committed before returning; returns for each batch
    /// how many of its events were new (the rest were duplicates of stored event ids). The
    /// events are durable once a later `sync_events` has returned.
    async fn insert_events(&self, batches: &[Batch<'_>], now: i64) -> Result<Vec<u64>>;
    /// Makes every batch `insert_events` committed so far durable (SQLite flushes its WAL
    /// outside the write lock; PostgreSQL's commits already are).
    async fn sync_events(&self) -> Result<()>;
    /// Events with `seq > after` in sequence order.
    async fn events_after(&self, after: i64, limit: i64) -> Result<Vec<TailEvent>>;
    /// Highest event sequence whose effects are stored.
    async fn progress(&self) -> Result<i64>;
    async fn apply(&self, effects: &Effects) -> Result<Applied>;

    /// The changes after `cursor` straight from the database (the hub answers recent cursors
    /// from memory).
    async fn decision_feed(&self, app: i64, cursor: i64, now: i64) -> Result<DecisionFeed>;
    /// The app's latest cursor and its decisions not deleted (expired ones included), as of
    /// that cursor.
    async fn decision_snapshot(&self, app: i64) -> Result<(i64, Vec<DecisionRow>)>;
    /// Up to `limit` changes after `after`, in cursor order.
    async fn decision_changes(&self, app: i64, after: i64, limit: i64) -> Result<DecisionChanges>;
    async fn decisions(&self, app: i64, now: i64) -> Result<Vec<DecisionRow>>;
    async fn decision(&self, id: &str) -> Result<Option<DecisionRow>>;
    /// Returns the app's new decision cursor.
    async fn insert_decision(&self, d: &DecisionRow, now: i64) -> Result<i64>;
    /// Returns (app, new cursor), or `None` when no such live decision exists.
    async fn delete_decision(&self, id: &str, now: i64) -> Result<Option<(i64, i64)>>;
    /// Deletes the decisions whose expiry passed, so they leave SDKs' sets through the feed
    /// like manual deletes; returns (app, new cursor) for each app changed.
    async fn expire_decisions(&self, now: i64) -> Result<Vec<(i64, i64)>>;
    async fn active_decisions(&self, now: i64) -> Result<i64>;

    async fn user(&self, app: i64, key: &str) -> Result<Option<UserRow>>;
    async fn signals(&self, app: i64, user: Option<&str>, limit: i64) -> Result<Vec<SignalRow>>;
    async fn risk_history(&self, app: i64, subject: &str, limit: i64) -> Result<Vec<RiskRow>>;
    async fn events(&self, app: i64, user: Option<&str>, limit: i64) -> Result<Vec<StoredEvent>>;
    async fn incidents(
        &self,
        app: i64,
        state: Option<&str>,
        limit: i64,
    ) -> Result<Vec<IncidentRow>>;
    async fn resolve_incident(&self, id: &str, now: i64) -> Result<bool>;
    async fn runs(&self, app: i64, limit: i64) -> Result<Vec<RunRow>>;
    async fn notifications(&self, app: Option<i64>, limit: i64) -> Result<Vec<NotificationRow>>;
    async fn attempts(&self, app: Option<i64>, limit: i64) -> Result<Vec<AttemptRow>>;
    async fn pending_notifications(&self) -> Result<Vec<NotificationRow>>;
    async fn record_attempt(&self, attempt: &AttemptRow, state: &str) -> Result<()>;

    /// Deletes what is older than `before_ms`; returns the number of events deleted.
    async fn prune(&self, before_ms: i64) -> Result<u64>;

    /// Starts forwarding other writers' changes (PostgreSQL LISTEN); a no-op for SQLite,
    /// where this process is the only writer.
    async fn listen(&self, tx: mpsc::UnboundedSender<Change>) -> Result<()>;
}

/// Opens the database named by `url` and brings its schema up to date.
pub async fn open(url: &str, config: &Config) -> Result<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::open(url, config).await?))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Arc::new(PgStore::open(url, config).await?))
    } else {
        Err(Error::Config(format!(
            "unsupported database URL (expected sqlite:// or postgres://): {}",
            url.split(':').next().unwrap_or("")
        )))
    }
}

/// A decision as SDKs receive it.
pub fn wire_decision(d: DecisionRow) -> WireDecision {
    WireDecision {
        id: d.id,
        scope: d.scope,
        value: d.value,
        action: d.action,
        url: d.url,
        expires_at: d.expires_ms.map(format_ts),
        reason: d.reason,
        ids: d.ids.and_then(|s| {
            serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&s).ok()
        }),
    }
}
