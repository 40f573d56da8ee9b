//! SQLite back end: one file in WAL mode. Writes go through a single connection, because
//! SQLite has one writer anyway and queueing in the pool is cheaper than SQLITE_BUSY retries;
//! reads use their own pool and never wait for writes.

use std::str::FromStr;
use std::sync::{Arc, Weak};
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, Sqlite, SqliteConnection, SqlitePool};
use tokio::sync::mpsc;

use super::dialect::Dialect;
use super::sqlite_ingest::insert_batches;
use super::wal_sync::WalSync;
use super::{shared_sql, Batch, Change, Store};
use crate::config::Config;
use crate::error::Result;

pub struct SqliteStore {
    write: SqlitePool,
    read: SqlitePool,
    /// Set with `synchronous=full` on a database file: ingest commits leave the WAL flush to
    /// `sync_events` (see wal_sync.rs).
    wal_sync: Option<WalSync>,
    /// Dropped with the store, which stops the checkpointer.
    _checkpointer: Arc<()>,
}

/// How often the checkpointer copies the WAL's committed pages into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

const DIALECT: Dialect = Dialect {
    name: "sqlite",
    greatest: "MAX",
    lock_app: None,
    notify_decisions: None,
    snapshot: None,
};

impl SqliteStore {
    pub async fn open(url: &str, config: &Config) -> Result<SqliteStore> {
        let full = config.server.sqlite_synchronous != "normal";
        let sync = if full {
            SqliteSynchronous::Full
        } else {
            SqliteSynchronous::Normal
        };
        let opts = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(sync)
            .busy_timeout(Duration::from_secs(10))
            .pragma("cache_size", "-65536")
            .pragma("temp_store", "memory");
        // Checkpoints run on their own connection (see `checkpoint`), so the writer, which
        // every batch waits for, only appends to the WAL. It checkpoints itself only if the
        // WAL passes 256 MB, which the checkpointer falling behind would take.
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts.clone().pragma("wal_autocheckpoint", "65536"))
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&write).await?;
        let read = SqlitePoolOptions::new()
            .max_connections(config.server.max_connections.clamp(1, 8))
            .connect_with(opts.clone().read_only(true))
            .await?;
        let checkpointer = Arc::new(());
        let conn = SqliteConnection::connect_with(&opts).await?;
        tokio::spawn(checkpoint(conn, Arc::downgrade(&checkpointer)));
        Ok(SqliteStore {
            write,
            read,
            wal_sync: full.then(|| WalSync::find(opts.get_filename())).flatten(),
            _checkpointer: checkpointer,
        })
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn insert_events(&self, batches: &[Batch<'_>], now: i64) -> Result<Vec<u64>> {
        let conn = self.write.acquire().await?;
        insert_batches(conn, batches, now, self.wal_sync.is_some()).await
    }

    async fn sync_events(&self) -> Result<()> {
        match &self.wal_sync {
            Some(wal) => wal.sync().await,
            None => Ok(()),
        }
    }

    /// This process is the only writer: nothing to hear about.
    async fn listen(&self, _tx: mpsc::UnboundedSender<Change>) -> Result<()> {
        Ok(())
    }
}

/// Copies committed WAL pages into the database file (PASSIVE: never waits for, nor blocks,
/// the writer or readers) until the store is dropped, then truncates the WAL.
async fn checkpoint(mut conn: SqliteConnection, store: Weak<()>) {
    let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while store.strong_count() > 0 {
        tick.tick().await;
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&mut conn)
            .await
        {
            tracing::warn!(error = %e, "WAL checkpoint failed");
        }
    }
    let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut conn)
        .await;
    let _ = conn.close().await;
}

shared_sql!(SqliteStore, Sqlite, DIALECT);
