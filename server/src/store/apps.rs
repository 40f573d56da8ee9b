//! Apps, and the one setting: the hash of the admin credential.

use async_trait::async_trait;
use serde::Serialize;

use crate::error::Result;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AppRow {
    pub id: i64,
    pub name: String,
    #[serde(skip)]
    pub token_hash: Vec<u8>,
    pub created_ms: i64,
}

#[async_trait]
pub trait AppStore: Send + Sync {
    /// Refuses (`Conflict`) a name another app has.
    async fn create_app(&self, name: &str, token_hash: &[u8; 32], now: i64) -> Result<AppRow>;
    async fn list_apps(&self) -> Result<Vec<AppRow>>;
    async fn admin_hash(&self) -> Result<Option<[u8; 32]>>;
    async fn set_admin_hash(&self, hash: &[u8; 32]) -> Result<()>;
}

/// `AppStore` for a back end with `read` and `write` pools.
macro_rules! app_sql {
    ($store:ty) => {
        const _: () = {
            use crate::error::{Error, Result};
            use crate::store::{AppRow, AppStore};

            #[async_trait::async_trait]
            impl AppStore for $store {
                async fn create_app(
                    &self,
                    name: &str,
                    token_hash: &[u8; 32],
                    now: i64,
                ) -> Result<AppRow> {
                    let res = sqlx::query_as::<_, AppRow>(
                        "INSERT INTO apps (name, token_hash, created_ms) VALUES ($1, $2, $3) \
                         RETURNING id, name, token_hash, created_ms",
                    )
                    .bind(name)
                    .bind(&token_hash[..])
                    .bind(now)
                    .fetch_one(&self.write)
                    .await;
                    match res {
                        Ok(row) => Ok(row),
                        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                            Err(Error::Conflict(format!("an app named {name:?} exists")))
                        }
                        Err(e) => Err(e.into()),
                    }
                }

                async fn list_apps(&self) -> Result<Vec<AppRow>> {
                    Ok(sqlx::query_as::<_, AppRow>(
                        "SELECT id, name, token_hash, created_ms FROM apps ORDER BY id",
                    )
                    .fetch_all(&self.read)
                    .await?)
                }

                async fn admin_hash(&self) -> Result<Option<[u8; 32]>> {
                    let v: Option<String> = sqlx::query_scalar(
                        "SELECT value FROM settings WHERE key = 'admin_token_sha256'",
                    )
                    .fetch_optional(&self.read)
                    .await?;
                    Ok(v.and_then(|h| {
                        let mut out = [0u8; 32];
                        hex::decode_to_slice(h, &mut out).ok().map(|_| out)
                    }))
                }

                async fn set_admin_hash(&self, hash: &[u8; 32]) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO settings (key, value) VALUES ('admin_token_sha256', $1) \
                         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    )
                    .bind(hex::encode(hash))
                    .execute(&self.write)
                    .await?;
                    Ok(())
                }
            }
        };
    };
}

pub(super) use app_sql;
