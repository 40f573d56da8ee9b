//! Durability of ingest commits outside SQLite's write lock. With `synchronous=FULL` SQLite
//! fsyncs the WAL inside the commit, so the single writer sat idle for the whole flush (10 to
//! 50 ms per group commit on this machine's disk) and no other group could be inserted
//! meanwhile. Ingest commits instead run with `synchronous=NORMAL` (appended to the WAL, not
//! flushed) and the event writer flushes the WAL file here before answering any batch of the
//! group, while the next group is already being inserted: every `202` still follows a flush
//! that made its events durable.
//!
//! Why that is as safe as FULL for what was acknowledged: the WAL is only appended to, and a
//! flush covers every frame written before it, so a flushed commit has every earlier commit
//! flushed too. Recovery after a power loss keeps the longest valid prefix of the WAL, which
//! includes every acknowledged group. A checkpoint flushes the WAL before it copies frames into
//! the database and flushes the database before the WAL is reused, in NORMAL as in FULL.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

pub struct WalSync {
    wal: PathBuf,
}

impl WalSync {
    /// The WAL of `database`, which an open connection in WAL mode has created; `None` when
    /// there is none (an in-memory database).
    pub fn find(database: &Path) -> Option<WalSync> {
        let mut wal = database.as_os_str().to_owned();
        wal.push("-wal");
        let wal = PathBuf::from(wal);
        wal.is_file().then_some(WalSync { wal })
    }

    /// Flushes the WAL's data to the disk. The file is opened each time (a few microseconds,
    /// once per group commit) rather than kept open, so the flush always reaches the WAL the
    /// database uses even if SQLite ever deleted and recreated it.
    pub async fn sync(&self) -> Result<()> {
        let wal = self.wal.clone();
        tokio::task::spawn_blocking(move || std::fs::File::open(&wal)?.sync_data())
            .await
            .map_err(|_| Error::Unavailable)?
            .map_err(|e| {
                tracing::error!(error = %e, "flushing the SQLite WAL failed");
                Error::Storage(format!("flushing the WAL: {e}"))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
    use sqlx::{ConnectOptions, Connection};

    #[tokio::test]
    async fn flushes_the_wal_of_a_database_in_wal_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        assert!(WalSync::find(&path).is_none(), "no database, no WAL");
        let mut conn = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .connect()
            .await
            .unwrap();
        sqlx::query("CREATE TABLE t (x)")
            .execute(&mut conn)
            .await
            .unwrap();
        let wal = WalSync::find(&path).expect("WAL mode creates the -wal file");
        wal.sync().await.unwrap();
        conn.close().await.unwrap();
        // Closing the last connection removes the WAL: the flush says so instead of passing.
        assert!(matches!(wal.sync().await, Err(Error::Storage(_))));
    }
}
