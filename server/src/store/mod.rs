//! Storage: one trait per aggregate (health, apps, events, the engine's effects, decisions
//! and their feed, users, playbooks, notifications, end-user notices, retention, the
//! dashboard), together
//! `Store`, with SQLite and PostgreSQL back ends. Each aggregate's module writes its SQL once,
//! in the subset both databases share (`$N` parameters, `ON CONFLICT`, `RETURNING`), and a
//! small macro stamps it out per back end, because sqlx runs a query only for a concrete
//! database. What differs in that SQL is in a `Dialect`; pools, locks, LISTEN/NOTIFY,
//! migrations and the ingest insert live in each back end's file.

mod apps;
mod chunked;
pub mod dashboard;
mod decision_feed;
mod decisions;
mod dialect;
mod effects;
mod event_insert;
mod events;
mod health;
mod notices;
mod notifications;
mod playbooks;
mod postgres;
pub mod reader;
pub mod retention;
mod sqlite;
mod sqlite_ingest;
mod users;
mod wal_sync;

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::mpsc;

use crate::config::Config;
use crate::error::{Error, Result};

pub use apps::{AppRow, AppStore};
pub use dashboard::DashboardStore;
pub use decision_feed::{wire_decision, DecisionChange, DecisionChanges, DecisionFeedStore};
pub use decisions::{DecisionRow, DecisionStore};
pub use effects::{Applied, EffectStore, Effects};
pub use events::{Batch, EngineFields, EventStore, NewEvent, StoredEvent, TailEvent};
pub use health::HealthStore;
pub use notices::{NoticeRow, NoticeStore};
pub use notifications::{AttemptRow, NotificationRow, NotificationStore};
pub use playbooks::{IncidentRow, PlaybookStore, RunRow};
pub use postgres::PgStore;
pub use retention::RetentionStore;
pub use sqlite::SqliteStore;
pub use users::{RiskRow, SignalRow, UserRow, UserStore};

/// Something another writer did that this instance should react to (PostgreSQL NOTIFY).
#[derive(Debug, Clone, Copy)]
pub enum Change {
    Events,
    Decisions { app: i64, cursor: i64 },
}

/// Every aggregate, and what each back end does its own way.
#[async_trait]
pub trait Store:
    HealthStore
    + AppStore
    + EventStore
    + EffectStore
    + DecisionStore
    + DecisionFeedStore
    + UserStore
    + PlaybookStore
    + NotificationStore
    + NoticeStore
    + RetentionStore
    + DashboardStore
    + Send
    + Sync
    + 'static
{
    /// Inserts batches in one transaction, committed before returning; returns for each batch
    /// how many of its events were new (the rest were duplicates of stored event ids). The
    /// events are durable once a later `sync_events` has returned.
    async fn insert_events(&self, batches: &[Batch<'_>], now: i64) -> Result<Vec<u64>>;
    /// Makes every batch `insert_events` committed so far durable (SQLite flushes its WAL
    /// outside the write lock; PostgreSQL's commits already are).
    async fn sync_events(&self) -> Result<()>;
    /// Starts forwarding other writers' changes (PostgreSQL LISTEN); a no-op for SQLite,
    /// where this process is the only writer.
    async fn listen(&self, tx: mpsc::UnboundedSender<Change>) -> Result<()>;
}

/// Every aggregate's SQL for one back end: `$store` has `read` and `write` pools of `$db`, and
/// `$dialect` says how its SQL differs.
macro_rules! shared_sql {
    ($store:ty, $db:ty, $dialect:expr) => {
        crate::store::health::health_sql!($store, $dialect);
        crate::store::apps::app_sql!($store);
        crate::store::events::event_sql!($store);
        crate::store::effects::effect_sql!($store, $db, $dialect);
        crate::store::decisions::decision_sql!($store, $db, $dialect);
        crate::store::decision_feed::decision_feed_sql!($store, $db, $dialect);
        crate::store::users::user_sql!($store);
        crate::store::playbooks::playbook_sql!($store);
        crate::store::notifications::notification_sql!($store);
        crate::store::notices::notice_sql!($store);
        crate::store::retention::retention_sql!($store);
        crate::store::dashboard::dashboard_sql!($store, $db);
    };
}

use shared_sql;

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
