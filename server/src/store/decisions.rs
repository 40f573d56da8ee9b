//! Decisions (bans and redirects) and their change log. Every change appends to the log under
//! the app's lock, so an app's cursors commit in order; SDKs follow the log (decision_feed.rs).

use async_trait::async_trait;
use serde::Serialize;

use crate::error::Result;

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
    /// JSON array of device ids a user block spares (the lockout exemption).
    pub except_devices: Option<String>,
    pub source: String,
    pub created_ms: i64,
}

#[async_trait]
pub trait DecisionStore: Send + Sync {
    /// The app's live, unexpired decisions, newest first.
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
}

/// Records `cursor` as `app`'s latest in a list of (app, cursor) with one entry per app.
pub(super) fn note_cursor(cursors: &mut Vec<(i64, i64)>, app: i64, cursor: i64) {
    match cursors.iter_mut().find(|(a, _)| *a == app) {
        Some(slot) => slot.1 = cursor,
        None => cursors.push((app, cursor)),
    }
}

/// `DecisionStore` for a back end with `read` and `write` pools of `$db`, and the helpers the
/// engine's effects write decisions with.
macro_rules! decision_sql {
    ($store:ty, $db:ty, $d:expr) => {
        const _: () = {
            use crate::error::Result;
            use crate::store::decisions::note_cursor;
            use crate::store::{DecisionRow, DecisionStore};

            type Tx = sqlx::Transaction<'static, $db>;

            impl $store {
                /// Takes `app`'s lock for the rest of the transaction.
                async fn lock_app(tx: &mut Tx, app: i64) -> Result<()> {
                    if let Some(lock) = $d.lock_app {
                        sqlx::query(lock).bind(app as i32).execute(&mut **tx).await?;
                    }
                    Ok(())
                }

                /// `sql`, an INSERT into decisions, with the row's values bound.
                fn bind_decision<'q>(
                    sql: &'q str,
                    d: &'q DecisionRow,
                ) -> sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments<'q>> {
                    sqlx::query(sql)
                        .bind(d.id.as_str())
                        .bind(d.app_id)
                        .bind(d.scope.as_str())
                        .bind(d.value.as_str())
                        .bind(d.action.as_str())
                        .bind(d.url.as_deref())
                        .bind(d.expires_ms)
                        .bind(d.reason.as_str())
                        .bind(d.ids.as_deref())
                        .bind(d.except_devices.as_deref())
                        .bind(d.source.as_str())
                        .bind(d.created_ms)
                }

                /// Stores a decision the engine made unless another instance stored it first;
                /// returns the app's new cursor when this call did. The caller holds the lock.
                async fn insert_engine_decision(tx: &mut Tx, d: &DecisionRow) -> Result<Option<i64>> {
                    let new = Self::bind_decision(
                        "INSERT INTO decisions (id, app_id, scope, value, action, url, expires_ms, reason, ids, except_devices, source, created_ms) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO NOTHING RETURNING id",
                        d,
                    )
                    .fetch_optional(&mut **tx)
                    .await?;
                    match new {
                        Some(_) => Ok(Some(
                            Self::log_change(tx, d.app_id, &d.id, "upsert", d.created_ms).await?,
                        )),
                        None => Ok(None),
                    }
                }

                /// Ends the user's live challenge decisions (a challenge was passed); returns the
                /// app's new cursor when any ended. Another instance ending them first leaves
                /// nothing to end. The caller holds the app's lock.
                async fn end_challenges(
                    tx: &mut Tx,
                    app: i64,
                    user: &str,
                    now: i64,
                ) -> Result<Option<i64>> {
                    let ids: Vec<String> = sqlx::query_scalar(
                        "UPDATE decisions SET deleted = 1 WHERE app_id = $1 AND scope = 'user' \
                         AND value = $2 AND action = 'challenge' AND deleted = 0 RETURNING id",
                    )
                    .bind(app)
                    .bind(user)
                    .fetch_all(&mut **tx)
                    .await?;
                    let mut cursor = None;
                    for id in ids {
                        cursor = Some(Self::log_change(tx, app, &id, "delete", now).await?);
                    }
                    Ok(cursor)
                }

                /// Appends to the decision change log and announces the new cursor; the caller
                /// holds the app's lock, so cursors commit in order.
                async fn log_change(
                    tx: &mut Tx,
                    app: i64,
                    id: &str,
                    op: &str,
                    now: i64,
                ) -> Result<i64> {
                    let cursor: i64 = sqlx::query_scalar(
                        "INSERT INTO decision_changes (app_id, decision_id, op, ts_ms) VALUES ($1, $2, $3, $4) RETURNING cursor",
                    )
                    .bind(app)
                    .bind(id)
                    .bind(op)
                    .bind(now)
                    .fetch_one(&mut **tx)
                    .await?;
                    if let Some(notify) = $d.notify_decisions {
                        sqlx::query(notify)
                            .bind(format!("{app}:{cursor}"))
                            .execute(&mut **tx)
                            .await?;
                    }
                    Ok(cursor)
                }
            }

            #[async_trait::async_trait]
            impl DecisionStore for $store {
                async fn decisions(&self, app: i64, now: i64) -> Result<Vec<DecisionRow>> {
                    Ok(sqlx::query_as::<_, DecisionRow>(
                        "SELECT id, app_id, scope, value, action, url, expires_ms, reason, ids, except_devices, source, created_ms \
                         FROM decisions WHERE app_id = $1 AND deleted = 0 \
                         AND (expires_ms IS NULL OR expires_ms > $2) ORDER BY created_ms DESC, id",
                    )
                    .bind(app)
                    .bind(now)
                    .fetch_all(&self.read)
                    .await?)
                }

                async fn decision(&self, id: &str) -> Result<Option<DecisionRow>> {
                    Ok(sqlx::query_as::<_, DecisionRow>(
                        "SELECT id, app_id, scope, value, action, url, expires_ms, reason, ids, except_devices, source, created_ms \
                         FROM decisions WHERE id = $1 AND deleted = 0",
                    )
                    .bind(id)
                    .fetch_optional(&self.read)
                    .await?)
                }

                async fn insert_decision(&self, d: &DecisionRow, now: i64) -> Result<i64> {
                    let mut tx = self.write.begin().await?;
                    Self::lock_app(&mut tx, d.app_id).await?;
                    Self::bind_decision(
                        "INSERT INTO decisions (id, app_id, scope, value, action, url, expires_ms, reason, ids, except_devices, source, created_ms) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                        d,
                    )
                    .execute(&mut *tx)
                    .await?;
                    let cursor = Self::log_change(&mut tx, d.app_id, &d.id, "upsert", now).await?;
                    tx.commit().await?;
                    Ok(cursor)
                }

                async fn delete_decision(&self, id: &str, now: i64) -> Result<Option<(i64, i64)>> {
                    let mut tx = self.write.begin().await?;
                    let app: Option<i64> =
                        sqlx::query_scalar("SELECT app_id FROM decisions WHERE id = $1 AND deleted = 0")
                            .bind(id)
                            .fetch_optional(&mut *tx)
                            .await?;
                    let Some(app) = app else {
                        return Ok(None);
                    };
                    Self::lock_app(&mut tx, app).await?;
                    let n = sqlx::query("UPDATE decisions SET deleted = 1 WHERE id = $1 AND deleted = 0")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    if n == 0 {
                        return Ok(None);
                    }
                    let cursor = Self::log_change(&mut tx, app, id, "delete", now).await?;
                    tx.commit().await?;
                    Ok(Some((app, cursor)))
                }

                async fn expire_decisions(&self, now: i64) -> Result<Vec<(i64, i64)>> {
                    let ids: Vec<String> = sqlx::query_scalar(
                        "SELECT id FROM decisions WHERE deleted = 0 AND expires_ms <= $1 ORDER BY expires_ms",
                    )
                    .bind(now)
                    .fetch_all(&self.read)
                    .await?;
                    let mut cursors = Vec::new();
                    for id in ids {
                        // Another instance may expire it first: then this is a no-op.
                        if let Some((app, cursor)) = self.delete_decision(&id, now).await? {
                            note_cursor(&mut cursors, app, cursor);
                        }
                    }
                    Ok(cursors)
                }

                async fn active_decisions(&self, now: i64) -> Result<i64> {
                    Ok(sqlx::query_scalar(
                        "SELECT COUNT(*) FROM decisions WHERE deleted = 0 AND (expires_ms IS NULL OR expires_ms > $1)",
                    )
                    .bind(now)
                    .fetch_one(&self.read)
                    .await?)
                }
            }
        };
    };
}

pub(super) use decision_sql;
