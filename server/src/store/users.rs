//! Users as the engine sees them: their identifiers, risk, signals and risk history, written
//! with the engine's effects (effects.rs) and read by the admin API and the dashboard.

use async_trait::async_trait;
use serde::Serialize;

use crate::error::Result;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct UserRow {
    pub app_id: i64,
    pub user_key: String,
    pub ids: String,
    pub primary_key: String,
    pub display: String,
    pub risk: f64,
    pub last_seen_ms: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct SignalRow {
    pub id: String,
    pub app_id: i64,
    pub seq: i64,
    pub kind: String,
    pub user_key: Option<String>,
    pub ip: Option<String>,
    pub points: f64,
    pub ts_ms: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RiskRow {
    pub id: String,
    pub app_id: i64,
    pub seq: i64,
    /// A user key or an IP address.
    pub subject: String,
    pub risk_before: f64,
    pub risk_after: f64,
    pub signal: Option<String>,
    pub ts_ms: i64,
}

#[async_trait]
pub trait UserStore: Send + Sync {
    async fn user(&self, app: i64, key: &str) -> Result<Option<UserRow>>;
    async fn signals(&self, app: i64, user: Option<&str>, limit: i64) -> Result<Vec<SignalRow>>;
    async fn risk_history(&self, app: i64, subject: &str, limit: i64) -> Result<Vec<RiskRow>>;
}

/// `UserStore` for a back end with a `read` pool.
macro_rules! user_sql {
    ($store:ty) => {
        const _: () = {
            use crate::error::Result;
            use crate::store::{RiskRow, SignalRow, UserRow, UserStore};

            #[async_trait::async_trait]
            impl UserStore for $store {
                async fn user(&self, app: i64, key: &str) -> Result<Option<UserRow>> {
                    Ok(sqlx::query_as::<_, UserRow>(
                        "SELECT app_id, user_key, ids, primary_key, display, risk, last_seen_ms FROM users \
                         WHERE app_id = $1 AND user_key = $2",
                    )
                    .bind(app)
                    .bind(key)
                    .fetch_optional(&self.read)
                    .await?)
                }

                async fn signals(
                    &self,
                    app: i64,
                    user: Option<&str>,
                    limit: i64,
                ) -> Result<Vec<SignalRow>> {
                    Ok(sqlx::query_as::<_, SignalRow>(
                        "SELECT id, app_id, seq, kind, user_key, ip, points, ts_ms FROM signals \
                         WHERE app_id = $1 AND ($2 IS NULL OR user_key = $2) ORDER BY seq DESC LIMIT $3",
                    )
                    .bind(app)
                    .bind(user)
                    .bind(limit)
                    .fetch_all(&self.read)
                    .await?)
                }

                async fn risk_history(
                    &self,
                    app: i64,
                    subject: &str,
                    limit: i64,
                ) -> Result<Vec<RiskRow>> {
                    Ok(sqlx::query_as::<_, RiskRow>(
                        "SELECT id, app_id, seq, subject, risk_before, risk_after, signal, ts_ms FROM risk_history \
                         WHERE app_id = $1 AND subject = $2 ORDER BY seq DESC LIMIT $3",
                    )
                    .bind(app)
                    .bind(subject)
                    .bind(limit)
                    .fetch_all(&self.read)
                    .await?)
                }
            }
        };
    };
}

pub(super) use user_sql;
