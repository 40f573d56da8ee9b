//! Retention: deletes what is older than the retention period (hourly). Events carry the time
//! they were received, which grows with seq (commit order), so the cut-off is found by binary
//! search on seq, in point lookups on the primary key, instead of an index on received_ms that
//! every insert would have to maintain for an hourly job. A clock stepping back can only move
//! the cut by the events stored during the step.

use std::future::Future;

use async_trait::async_trait;

use crate::error::Result;

/// Events deleted per transaction.
pub const SLICE: i64 = 10_000;

#[async_trait]
pub trait RetentionStore: Send + Sync {
    /// Deletes what is older than `before_ms`; returns the number of events deleted.
    async fn prune(&self, before_ms: i64) -> Result<u64>;
}

/// The first seq to keep: every stored event before it was received before `before_ms` and
/// has been processed by the engine (seq <= `progress`). `first_at(seq)` returns the first
/// stored event at or after `seq` as (seq, received_ms).
pub async fn first_kept_seq<F, Fut>(progress: i64, before_ms: i64, mut first_at: F) -> Result<i64>
where
    F: FnMut(i64) -> Fut,
    Fut: Future<Output = Result<Option<(i64, i64)>>>,
{
    // The answer stays within [lo, hi].
    let (mut lo, mut hi) = (0i64, progress.saturating_add(1).max(0));
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        match first_at(mid).await? {
            Some((seq, received_ms)) if received_ms < before_ms => lo = (seq + 1).min(hi),
            _ => hi = mid,
        }
    }
    Ok(lo)
}

/// `RetentionStore` for a back end with `read` and `write` pools.
macro_rules! retention_sql {
    ($store:ty) => {
        const _: () = {
            use crate::error::Result;
            use crate::store::retention::{first_kept_seq, RetentionStore, SLICE};

            #[async_trait::async_trait]
            impl RetentionStore for $store {
                async fn prune(&self, before_ms: i64) -> Result<u64> {
                    // Never drop an event the engine has not processed yet.
                    let progress: i64 =
                        sqlx::query_scalar("SELECT seq FROM engine_progress WHERE id = 1")
                            .fetch_one(&self.write)
                            .await?;
                    let cut = first_kept_seq(progress, before_ms, |seq| async move {
                        Ok(sqlx::query_as::<_, (i64, i64)>(
                            "SELECT seq, received_ms FROM events WHERE seq >= $1 ORDER BY seq LIMIT 1",
                        )
                        .bind(seq)
                        .fetch_optional(&self.read)
                        .await?)
                    })
                    .await?;
                    // In slices, each its own transaction: ingest waits for the same writer.
                    let mut events = 0;
                    loop {
                        let n = sqlx::query(
                            "DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE seq < $1 \
                             ORDER BY seq LIMIT $2)",
                        )
                        .bind(cut)
                        .bind(SLICE)
                        .execute(&self.write)
                        .await?
                        .rows_affected();
                        events += n;
                        if n < SLICE as u64 {
                            break;
                        }
                    }
                    let mut tx = self.write.begin().await?;
                    sqlx::query("DELETE FROM user_events WHERE seq < $1")
                        .bind(cut)
                        .execute(&mut *tx)
                        .await?;
                    for table in ["signals", "risk_history", "playbook_runs", "notification_attempts"] {
                        sqlx::query(&format!("DELETE FROM {table} WHERE ts_ms < $1"))
                            .bind(before_ms)
                            .execute(&mut *tx)
                            .await?;
                    }
                    sqlx::query(
                        "UPDATE apps SET pruned_cursor = COALESCE((SELECT MAX(c.cursor) FROM decision_changes c \
                         WHERE c.app_id = apps.id AND c.ts_ms < $1), pruned_cursor)",
                    )
                    .bind(before_ms)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query("DELETE FROM decision_changes WHERE ts_ms < $1")
                        .bind(before_ms)
                        .execute(&mut *tx)
                        .await?;
                    // An answered notice's links have expired: nothing can use them again.
                    sqlx::query("DELETE FROM notices WHERE expires_ms < $1")
                        .bind(before_ms)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("DELETE FROM decisions WHERE deleted = 1 AND created_ms < $1")
                        .bind(before_ms)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(events)
                }
            }
        };
    };
}

pub(super) use retention_sql;

#[cfg(test)]
mod tests {
    use super::*;

    /// (seq, received_ms) rows with gaps in seq, as deletes and rollbacks leave them.
    fn rows() -> Vec<(i64, i64)> {
        let mut rows = Vec::new();
        for seq in 5..400 {
            if seq % 7 != 0 {
                rows.push((seq, 1000 + seq * 10));
            }
        }
        rows
    }

    async fn cut(rows: &[(i64, i64)], progress: i64, before_ms: i64) -> i64 {
        first_kept_seq(progress, before_ms, |seq| {
            let found = rows.iter().copied().find(|(s, _)| *s >= seq);
            async move { Ok(found) }
        })
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn cuts_at_the_first_event_received_at_or_after_the_limit() {
        let rows = rows();
        for before in [0, 1000, 1055, 1100, 2000, 3000, 4985, 5000, 9000] {
            let expected = rows
                .iter()
                .find(|(_, r)| *r >= before)
                .map_or(1000, |(s, _)| *s)
                .min(1000);
            let got = cut(&rows, 999, before).await;
            // Everything before the cut is old, and nothing old is kept past a gap.
            assert!(
                rows.iter().all(|(s, r)| *s >= got || *r < before),
                "{before}: {got}"
            );
            let first_kept = rows
                .iter()
                .find(|(s, _)| *s >= got)
                .map_or(1000, |(s, _)| *s);
            assert_eq!(first_kept.min(1000), expected, "before {before}");
        }
    }

    #[tokio::test]
    async fn never_cuts_past_the_engine_progress() {
        let rows = rows();
        assert_eq!(cut(&rows, 100, i64::MAX).await, 101);
        assert_eq!(cut(&rows, 0, i64::MAX).await, 1);
        assert_eq!(cut(&[], 50, i64::MAX).await, 0);
    }
}
