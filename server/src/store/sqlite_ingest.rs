//! The events INSERT on SQLite, the statement every acknowledged event goes through. It runs on
//! the write connection's own handle, through rusqlite: one prepared single-row statement
//! stepped once per event. sqlx's multi-row INSERT copied every value twice (into owned
//! arguments, then into SQLite's transient bindings), built a 13 000-placeholder statement per
//! batch and cleared as many bindings after it: binding and clearing were 40 % of the single
//! writer thread's time, and that thread bounds ingest.

use rusqlite::{params, Connection, TransactionBehavior};
use sqlx::pool::PoolConnection;
use sqlx::Sqlite;

use super::event_insert::event_columns;
use super::Batch;
use crate::error::{Error, Result};

const INSERT: &str = concat!(
    "INSERT INTO events (",
    event_columns!(),
    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) \
     ON CONFLICT (app_id, event_id) DO NOTHING"
);

/// Inserts every batch in one transaction and commits; returns how many events of each batch
/// were new (a retried event, same id, is skipped). With `deferred_sync` the commit does not
/// wait for the disk: the caller acknowledges only after `WalSync::sync` (see wal_sync.rs).
pub(super) async fn insert_batches(
    mut conn: PoolConnection<Sqlite>,
    batches: &[Batch<'_>],
    now: i64,
    deferred_sync: bool,
) -> Result<Vec<u64>> {
    let mut locked = conn.lock_handle().await?;
    let raw = locked.as_raw_handle();
    let write = || {
        // SAFETY: `locked` holds sqlx's lock on this connection until the end of the function,
        // so nothing else uses the handle meanwhile; the rusqlite wrapper does not own it (it
        // finalizes its statements on drop and leaves the connection open), and it is dropped
        // before `locked`, with no transaction left open.
        let db = unsafe { Connection::from_handle(raw.as_ptr()) }.map_err(storage)?;
        let _relaxed = deferred_sync.then(|| Relaxed::new(&db)).transpose()?;
        write_batches(&db, batches, now).map_err(storage)
    };
    // The insert is milliseconds of CPU without an await: on the runtime's workers it runs in
    // place (the runtime moves this worker's other tasks away); a current-thread runtime, as
    // in tests, has no other worker to move them to.
    match tokio::runtime::Handle::current().runtime_flavor() {
        tokio::runtime::RuntimeFlavor::CurrentThread => write(),
        _ => tokio::task::block_in_place(write),
    }
}

fn write_batches(db: &Connection, batches: &[Batch<'_>], now: i64) -> rusqlite::Result<Vec<u64>> {
    let tx = rusqlite::Transaction::new_unchecked(db, TransactionBehavior::Immediate)?;
    let mut inserted = Vec::with_capacity(batches.len());
    {
        let mut insert = tx.prepare_cached(INSERT)?;
        for batch in batches {
            let mut new = 0u64;
            for e in batch.events {
                new += insert.execute(params![
                    batch.app,
                    &e.event_id[..],
                    e.ts_ms,
                    e.kind,
                    e.user_key.as_deref(),
                    e.ip.as_deref(),
                    e.data.as_str(),
                    e.engine.user_ids.as_deref(),
                    e.engine.user_exists,
                    e.engine.name.as_deref(),
                    e.engine.previous_key.as_deref(),
                    e.engine.email_domain.as_deref(),
                    e.engine.device.as_deref(),
                    now,
                ])? as u64;
            }
            inserted.push(new);
        }
    }
    tx.commit()?;
    Ok(inserted)
}

/// `synchronous=NORMAL` on the write connection for one ingest commit, `FULL` again after it
/// whatever happened: everything else this connection commits (engine effects, admin changes)
/// stays durable at its commit.
struct Relaxed<'a>(&'a Connection);

impl<'a> Relaxed<'a> {
    fn new(db: &'a Connection) -> Result<Relaxed<'a>> {
        db.pragma_update(None, "synchronous", "NORMAL")
            .map_err(storage)?;
        Ok(Relaxed(db))
    }
}

impl Drop for Relaxed<'_> {
    fn drop(&mut self) {
        if let Err(e) = self.0.pragma_update(None, "synchronous", "FULL") {
            tracing::error!(error = %e, "restoring synchronous=FULL on the write connection failed");
        }
    }
}

fn storage(e: rusqlite::Error) -> Error {
    Error::Storage(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{EngineFields, NewEvent};
    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions, SqliteSynchronous};
    use sqlx::SqlitePool;

    fn event(id: u8) -> NewEvent {
        NewEvent {
            event_id: [id; 16],
            ts_ms: 1_000,
            kind: "auth.success",
            user_key: Some("u_00".into()),
            ip: Some("192.0.2.1".into()),
            data: "{}".into(),
            engine: EngineFields::default(),
        }
    }

    async fn pool(dir: &tempfile::TempDir, migrate: bool) -> SqlitePool {
        let opts = SqliteConnectOptions::new()
            .filename(dir.path().join("t.db"))
            .create_if_missing(true)
            .synchronous(SqliteSynchronous::Full);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts)
            .await
            .unwrap();
        if migrate {
            sqlx::migrate!("./migrations/sqlite")
                .run(&pool)
                .await
                .unwrap();
        }
        pool
    }

    async fn synchronous(pool: &SqlitePool) -> i64 {
        sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(pool)
            .await
            .unwrap()
    }

    async fn counts_new_events_and_restores_full(pool: SqlitePool) {
        let (first, second) = (vec![event(1), event(2)], vec![event(2), event(3)]);
        let batches = [
            Batch {
                app: 1,
                events: &first,
            },
            Batch {
                app: 1,
                events: &second,
            },
        ];
        let conn = pool.acquire().await.unwrap();
        let counts = insert_batches(conn, &batches, 5, true).await.unwrap();
        assert_eq!(counts, vec![2, 1], "the second batch repeats event 2");
        // 2 is FULL: what the connection commits next (engine effects, admin changes) is
        // flushed at its commit again.
        assert_eq!(synchronous(&pool).await, 2);
        let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(stored, 3);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn inserts_in_place_on_the_runtime_workers() {
        let dir = tempfile::tempdir().unwrap();
        counts_new_events_and_restores_full(pool(&dir, true).await).await;
    }

    #[tokio::test]
    async fn inserts_on_a_current_thread_runtime() {
        let dir = tempfile::tempdir().unwrap();
        counts_new_events_and_restores_full(pool(&dir, true).await).await;
    }

    #[tokio::test]
    async fn a_failed_insert_restores_full_and_leaves_no_transaction() {
        let dir = tempfile::tempdir().unwrap();
        let pool = pool(&dir, false).await; // no events table: the insert cannot prepare
        let events = vec![event(1)];
        let batches = [Batch {
            app: 1,
            events: &events,
        }];
        let conn = pool.acquire().await.unwrap();
        let err = insert_batches(conn, &batches, 5, true).await.unwrap_err();
        assert!(matches!(err, Error::Storage(_)), "{err:?}");
        assert_eq!(synchronous(&pool).await, 2);
        // A transaction left open would make this BEGIN fail.
        let mut tx = pool.begin().await.unwrap();
        sqlx::query("CREATE TABLE t (x)")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
}
