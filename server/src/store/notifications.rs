//! Notifications the playbooks queued (written with the engine's effects, effects.rs) and
//! every delivery attempt the notifier made.

use async_trait::async_trait;
use serde::Serialize;

use crate::error::Result;

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

impl NotificationRow {
    /// A notification not attempted yet.
    pub fn pending(
        id: String,
        app_id: i64,
        target: &str,
        payload: &serde_json::Value,
        created_ms: i64,
    ) -> NotificationRow {
        NotificationRow {
            id,
            app_id,
            target: target.to_owned(),
            payload: payload.to_string(),
            state: "pending".into(),
            attempts: 0,
            created_ms,
        }
    }
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

#[async_trait]
pub trait NotificationStore: Send + Sync {
    async fn notifications(&self, app: Option<i64>, limit: i64) -> Result<Vec<NotificationRow>>;
    async fn attempts(&self, app: Option<i64>, limit: i64) -> Result<Vec<AttemptRow>>;
    async fn notification(&self, id: &str) -> Result<Option<NotificationRow>>;
    async fn pending_notifications(&self) -> Result<Vec<NotificationRow>>;
    /// Stores the attempt and moves its notification to `state`, in one transaction.
    async fn record_attempt(&self, attempt: &AttemptRow, state: &str) -> Result<()>;
}

/// `NotificationStore` for a back end with `read` and `write` pools.
macro_rules! notification_sql {
    ($store:ty) => {
        const _: () = {
            use crate::error::Result;
            use crate::store::{AttemptRow, NotificationRow, NotificationStore};

            #[async_trait::async_trait]
            impl NotificationStore for $store {
                async fn notifications(
                    &self,
                    app: Option<i64>,
                    limit: i64,
                ) -> Result<Vec<NotificationRow>> {
                    Ok(sqlx::query_as::<_, NotificationRow>(
                        "SELECT id, app_id, target, payload, state, attempts, created_ms FROM notifications \
                         WHERE ($1 IS NULL OR app_id = $1) ORDER BY created_ms DESC, id LIMIT $2",
                    )
                    .bind(app)
                    .bind(limit)
                    .fetch_all(&self.read)
                    .await?)
                }

                async fn attempts(&self, app: Option<i64>, limit: i64) -> Result<Vec<AttemptRow>> {
                    Ok(sqlx::query_as::<_, AttemptRow>(
                        "SELECT notification_id, app_id, target, kind, attempt, ok, status, error, ts_ms \
                         FROM notification_attempts WHERE ($1 IS NULL OR app_id = $1) ORDER BY id DESC LIMIT $2",
                    )
                    .bind(app)
                    .bind(limit)
                    .fetch_all(&self.read)
                    .await?)
                }

                async fn notification(&self, id: &str) -> Result<Option<NotificationRow>> {
                    Ok(sqlx::query_as::<_, NotificationRow>(
                        "SELECT id, app_id, target, payload, state, attempts, created_ms FROM notifications \
                         WHERE id = $1",
                    )
                    .bind(id)
                    .fetch_optional(&self.read)
                    .await?)
                }

                async fn pending_notifications(&self) -> Result<Vec<NotificationRow>> {
                    Ok(sqlx::query_as::<_, NotificationRow>(
                        "SELECT id, app_id, target, payload, state, attempts, created_ms FROM notifications \
                         WHERE state = 'pending' ORDER BY created_ms",
                    )
                    .fetch_all(&self.read)
                    .await?)
                }

                async fn record_attempt(&self, a: &AttemptRow, state: &str) -> Result<()> {
                    let mut tx = self.write.begin().await?;
                    sqlx::query(
                        "INSERT INTO notification_attempts (notification_id, app_id, target, kind, attempt, ok, status, error, ts_ms) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    )
                    .bind(a.notification_id.as_str())
                    .bind(a.app_id)
                    .bind(a.target.as_str())
                    .bind(a.kind.as_str())
                    .bind(a.attempt)
                    .bind(a.ok)
                    .bind(a.status)
                    .bind(a.error.as_deref())
                    .bind(a.ts_ms)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query("UPDATE notifications SET attempts = $2, state = $3 WHERE id = $1")
                        .bind(a.notification_id.as_str())
                        .bind(a.attempt)
                        .bind(state)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }
            }
        };
    };
}

pub(super) use notification_sql;
