//! What playbooks did: their runs and the incidents they opened, written with the engine's
//! effects (effects.rs); incidents are resolved here.

use async_trait::async_trait;
use serde::Serialize;

use crate::error::Result;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RunRow {
    pub id: String,
    pub app_id: i64,
    pub seq: i64,
    pub playbook: String,
    pub action: String,
    pub detail: String,
    pub user_key: Option<String>,
    pub ip: Option<String>,
    pub reason: String,
    pub ts_ms: i64,
    /// What a shadow playbook would have done (never enforced).
    pub shadow: bool,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct IncidentRow {
    pub id: String,
    pub app_id: i64,
    pub seq: i64,
    pub playbook: String,
    pub user_key: Option<String>,
    pub ip: Option<String>,
    pub reason: String,
    pub state: String,
    pub created_ms: i64,
    pub resolved_ms: Option<i64>,
}

#[async_trait]
pub trait PlaybookStore: Send + Sync {
    async fn runs(&self, app: i64, limit: i64) -> Result<Vec<RunRow>>;
    async fn incidents(
        &self,
        app: i64,
        state: Option<&str>,
        limit: i64,
    ) -> Result<Vec<IncidentRow>>;
    /// Whether the incident exists (resolving a resolved one again changes nothing).
    async fn resolve_incident(&self, id: &str, now: i64) -> Result<bool>;
}

/// `PlaybookStore` for a back end with `read` and `write` pools.
macro_rules! playbook_sql {
    ($store:ty) => {
        const _: () = {
            use crate::error::Result;
            use crate::store::{IncidentRow, PlaybookStore, RunRow};

            #[async_trait::async_trait]
            impl PlaybookStore for $store {
                async fn runs(&self, app: i64, limit: i64) -> Result<Vec<RunRow>> {
                    Ok(sqlx::query_as::<_, RunRow>(
                        "SELECT id, app_id, seq, playbook, action, detail, user_key, ip, reason, ts_ms, (shadow <> 0) AS shadow \
                         FROM playbook_runs WHERE app_id = $1 ORDER BY seq DESC, id LIMIT $2",
                    )
                    .bind(app)
                    .bind(limit)
                    .fetch_all(&self.read)
                    .await?)
                }

                async fn incidents(
                    &self,
                    app: i64,
                    state: Option<&str>,
                    limit: i64,
                ) -> Result<Vec<IncidentRow>> {
                    Ok(sqlx::query_as::<_, IncidentRow>(
                        "SELECT id, app_id, seq, playbook, user_key, ip, reason, state, created_ms, resolved_ms \
                         FROM incidents WHERE app_id = $1 AND ($2 IS NULL OR state = $2) \
                         ORDER BY created_ms DESC, id LIMIT $3",
                    )
                    .bind(app)
                    .bind(state)
                    .bind(limit)
                    .fetch_all(&self.read)
                    .await?)
                }

                async fn resolve_incident(&self, id: &str, now: i64) -> Result<bool> {
                    let n = sqlx::query(
                        "UPDATE incidents SET state = 'resolved', resolved_ms = $2 WHERE id = $1 AND state = 'open'",
                    )
                    .bind(id)
                    .bind(now)
                    .execute(&self.write)
                    .await?
                    .rows_affected();
                    if n > 0 {
                        return Ok(true);
                    }
                    let exists: Option<String> =
                        sqlx::query_scalar("SELECT id FROM incidents WHERE id = $1")
                            .bind(id)
                            .fetch_optional(&self.read)
                            .await?;
                    Ok(exists.is_some())
                }
            }
        };
    };
}

pub(super) use playbook_sql;
