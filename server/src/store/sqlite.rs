//! SQLite back end: one file in WAL mode. Writes go through a single connection, because
//! SQLite has one writer anyway and queueing in the pool is cheaper than SQLITE_BUSY retries;
//! reads use their own pool and never wait for writes.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool};
use tokio::sync::mpsc;

use super::dashboard::dashboard_sql;
use super::shared::{sql_store, Dialect};
use super::Change;
use crate::config::Config;
use crate::error::Result;

pub struct SqliteStore {
    write: SqlitePool,
    read: SqlitePool,
}

const DIALECT: Dialect = Dialect {
    name: "sqlite",
    greatest: "MAX",
    lock_events: None,
    notify_events: None,
    lock_app: None,
    notify_decisions: None,
    snapshot: None,
};

impl SqliteStore {
    pub async fn open(url: &str, config: &Config) -> Result<SqliteStore> {
        let sync = if config.server.sqlite_synchronous == "normal" {
            SqliteSynchronous::Normal
        } else {
            SqliteSynchronous::Full
        };
        let opts = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(sync)
            .busy_timeout(Duration::from_secs(10))
            .pragma("cache_size", "-65536")
            .pragma("temp_store", "memory")
            // Checkpoint every 64 MB of WAL rather than 4 MB: a page rewritten by many commits
            // is then copied into the database once instead of at nearly every commit.
            .pragma("wal_autocheckpoint", "16384");
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts.clone())
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&write).await?;
        let read = SqlitePoolOptions::new()
            .max_connections(config.server.max_connections.clamp(1, 8))
            .connect_with(opts.read_only(true))
            .await?;
        Ok(SqliteStore { write, read })
    }

    async fn start_listening(&self, _tx: mpsc::UnboundedSender<Change>) -> Result<()> {
        Ok(())
    }
}

sql_store!(SqliteStore, Sqlite, DIALECT);
dashboard_sql!(SqliteStore, Sqlite);
