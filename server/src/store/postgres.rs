//! PostgreSQL back end: several server instances may share one database. Event inserts and
//! each app's decision changes are serialized with advisory locks so that sequence order is
//! commit order, and LISTEN/NOTIFY tells the other instances that something changed.

use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgListener, PgPoolOptions};
use sqlx::{PgPool, Postgres};
use tokio::sync::mpsc;

use super::dialect::Dialect;
use super::event_insert::insert_values;
use super::{shared_sql, Batch, Change, Store};
use crate::config::Config;
use crate::error::Result;

pub struct PgStore {
    write: PgPool,
    read: PgPool,
}

const DIALECT: Dialect = Dialect {
    name: "postgres",
    greatest: "GREATEST",
    lock_app: Some("SELECT pg_advisory_xact_lock(7470, $1)"),
    notify_decisions: Some("SELECT pg_notify('vigil_decisions', $1)"),
    snapshot: Some("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"),
};

/// Taken before inserting events so sequence order equals commit order: a reader that has seen
/// seq N can never later find a smaller one committed.
const LOCK_EVENTS: &str = "SELECT pg_advisory_xact_lock(7471, 0)";
const NOTIFY_EVENTS: &str = "SELECT pg_notify('vigil_events', '')";

impl PgStore {
    pub async fn open(url: &str, config: &Config) -> Result<PgStore> {
        let pool = PgPoolOptions::new()
            .max_connections(config.server.max_connections.max(2))
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await?;
        // sqlx takes an advisory lock here, so instances starting together migrate once.
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(PgStore {
            write: pool.clone(),
            read: pool,
        })
    }
}

#[async_trait]
impl Store for PgStore {
    /// One multi-row INSERT per batch, under the lock that makes sequence order commit order.
    async fn insert_events(&self, batches: &[Batch<'_>], now: i64) -> Result<Vec<u64>> {
        let mut tx = self.write.begin().await?;
        sqlx::query(LOCK_EVENTS).execute(&mut *tx).await?;
        let mut inserted = Vec::with_capacity(batches.len());
        for batch in batches {
            if batch.events.is_empty() {
                inserted.push(0);
                continue;
            }
            let mut qb = insert_values(batch.app, batch.events, now);
            inserted.push(qb.build().execute(&mut *tx).await?.rows_affected());
        }
        if inserted.iter().any(|n| *n > 0) {
            sqlx::query(NOTIFY_EVENTS).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(inserted)
    }

    /// PostgreSQL's commit is already durable.
    async fn sync_events(&self) -> Result<()> {
        Ok(())
    }

    async fn listen(&self, tx: mpsc::UnboundedSender<Change>) -> Result<()> {
        let mut listener = PgListener::connect_with(&self.read).await?;
        listener
            .listen_all(["vigil_events", "vigil_decisions"])
            .await?;
        tokio::spawn(async move {
            loop {
                match listener.recv().await {
                    Ok(n) => {
                        let change = if n.channel() == "vigil_decisions" {
                            let parsed = n
                                .payload()
                                .split_once(':')
                                .and_then(|(a, c)| Some((a.parse().ok()?, c.parse().ok()?)));
                            match parsed {
                                Some((app, cursor)) => Change::Decisions { app, cursor },
                                None => continue,
                            }
                        } else {
                            Change::Events
                        };
                        if tx.send(change).is_err() {
                            return;
                        }
                    }
                    // The listener reconnects by itself; what was missed meanwhile is
                    // picked up by the poll fallback.
                    Err(e) => {
                        tracing::warn!(error = %e, "LISTEN connection lost; retrying");
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                }
            }
        });
        Ok(())
    }
}

shared_sql!(PgStore, Postgres, DIALECT);
