//! A read-only view of the database for offline runs over the event log (`replay`): no
//! migrations, no checkpointer, and connections the database itself refuses writes on
//! (SQLite opened read-only, PostgreSQL sessions with `default_transaction_read_only`).

use std::str::FromStr;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{PgPool, SqlitePool};

use crate::error::{Error, Result};
use crate::store::TailEvent;

/// What a run over the log reads.
#[async_trait]
pub trait LogReader: Send + Sync {
    /// Apps as (id, name), by id.
    async fn app_names(&self) -> Result<Vec<(i64, String)>>;
    /// The highest event seq stored (0 when there is none).
    async fn head(&self) -> Result<i64>;
    /// Events with `after < seq <= upto` and `ts_ms >= since_ms` (of one app, if given), in
    /// sequence order.
    async fn events_window(
        &self,
        after: i64,
        upto: i64,
        since_ms: i64,
        app: Option<i64>,
        limit: i64,
    ) -> Result<Vec<TailEvent>>;
    /// The users table's display (the primary identifier's value) of a user, if stored.
    async fn display(&self, app: i64, user_key: &str) -> Result<Option<String>>;
}

pub struct SqliteReader {
    read: SqlitePool,
}

pub struct PgReader {
    read: PgPool,
}

/// Opens `url` read-only. The schema must already exist (`serve` or `migrate` creates it).
pub async fn open_read_only(url: &str) -> Result<Box<dyn LogReader>> {
    if url.starts_with("sqlite:") {
        let opts = SqliteConnectOptions::from_str(url)?
            .read_only(true)
            .create_if_missing(false);
        let read = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts)
            .await?;
        Ok(Box::new(SqliteReader { read }))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        let opts =
            PgConnectOptions::from_str(url)?.options([("default_transaction_read_only", "on")]);
        let read = PgPoolOptions::new()
            .max_connections(1)
            .connect_with(opts)
            .await?;
        Ok(Box::new(PgReader { read }))
    } else {
        Err(Error::Config(format!(
            "unsupported database URL (expected sqlite:// or postgres://): {}",
            url.split(':').next().unwrap_or("")
        )))
    }
}

macro_rules! reader_sql {
    ($reader:ty) => {
        #[async_trait]
        impl LogReader for $reader {
            async fn app_names(&self) -> Result<Vec<(i64, String)>> {
                Ok(sqlx::query_as("SELECT id, name FROM apps ORDER BY id")
                    .fetch_all(&self.read)
                    .await?)
            }

            async fn head(&self) -> Result<i64> {
                Ok(
                    sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM events")
                        .fetch_one(&self.read)
                        .await?,
                )
            }

            async fn events_window(
                &self,
                after: i64,
                upto: i64,
                since_ms: i64,
                app: Option<i64>,
                limit: i64,
            ) -> Result<Vec<TailEvent>> {
                Ok(sqlx::query_as::<_, TailEvent>(
                    "SELECT seq, app_id, ts_ms, kind, user_key, ip, user_ids, user_exists, \
                     name, previous_key, email_domain, device FROM events \
                     WHERE seq > $1 AND seq <= $2 AND ts_ms >= $3 \
                     AND ($4 IS NULL OR app_id = $4) ORDER BY seq LIMIT $5",
                )
                .bind(after)
                .bind(upto)
                .bind(since_ms)
                .bind(app)
                .bind(limit)
                .fetch_all(&self.read)
                .await?)
            }

            async fn display(&self, app: i64, user_key: &str) -> Result<Option<String>> {
                Ok(sqlx::query_scalar(
                    "SELECT display FROM users WHERE app_id = $1 AND user_key = $2",
                )
                .bind(app)
                .bind(user_key)
                .fetch_optional(&self.read)
                .await?)
            }
        }
    };
}

reader_sql!(SqliteReader);
reader_sql!(PgReader);
