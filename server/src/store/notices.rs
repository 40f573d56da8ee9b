//! End-user notices: the key their links are signed with (in `settings`, shared by every
//! instance of a database) and the answers given, which make each notice single-use.

use async_trait::async_trait;

use crate::error::Result;

/// An answered notice.
#[derive(Debug, Clone)]
pub struct NoticeRow {
    /// The notification the links were sent in.
    pub id: String,
    pub app_id: i64,
    pub user_key: String,
    /// `me` or `not_me`.
    pub answer: String,
    pub used_ms: i64,
    /// When the links expire; the row is pruned after that.
    pub expires_ms: i64,
}

#[async_trait]
pub trait NoticeStore: Send + Sync {
    /// The signing key: `fresh` if no key is stored yet, else the stored one. Instances
    /// starting together on one database all end up with the first key written.
    async fn notice_key(&self, fresh: &[u8; 32]) -> Result<[u8; 32]>;
    /// The answer given to the notice, if any.
    async fn notice_answer(&self, id: &str) -> Result<Option<String>>;
    /// Records the answer; false when the notice was answered already (by this click's
    /// twin, on any instance).
    async fn claim_notice(&self, n: &NoticeRow) -> Result<bool>;
    /// Forgets an answer whose effects could not be stored, so that the link can be used
    /// again; `used_ms` makes sure it is this call's own answer.
    async fn release_notice(&self, id: &str, used_ms: i64) -> Result<()>;
}

/// `NoticeStore` for a back end with `read` and `write` pools.
macro_rules! notice_sql {
    ($store:ty) => {
        const _: () = {
            use crate::error::{Error, Result};
            use crate::store::{NoticeRow, NoticeStore};

            #[async_trait::async_trait]
            impl NoticeStore for $store {
                async fn notice_key(&self, fresh: &[u8; 32]) -> Result<[u8; 32]> {
                    sqlx::query(
                        "INSERT INTO settings (key, value) VALUES ('notice_key', $1) \
                         ON CONFLICT (key) DO NOTHING",
                    )
                    .bind(hex::encode(fresh))
                    .execute(&self.write)
                    .await?;
                    // Read on the write pool: on SQLite the read pool may not see the insert.
                    let stored: String =
                        sqlx::query_scalar("SELECT value FROM settings WHERE key = 'notice_key'")
                            .fetch_one(&self.write)
                            .await?;
                    let mut key = [0u8; 32];
                    hex::decode_to_slice(stored, &mut key).map_err(|_| {
                        Error::Config("settings.notice_key is not 64 hex digits".into())
                    })?;
                    Ok(key)
                }

                async fn notice_answer(&self, id: &str) -> Result<Option<String>> {
                    Ok(sqlx::query_scalar("SELECT answer FROM notices WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&self.read)
                        .await?)
                }

                async fn claim_notice(&self, n: &NoticeRow) -> Result<bool> {
                    let new: Option<String> = sqlx::query_scalar(
                        "INSERT INTO notices (id, app_id, user_key, answer, used_ms, expires_ms) \
                         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING RETURNING id",
                    )
                    .bind(n.id.as_str())
                    .bind(n.app_id)
                    .bind(n.user_key.as_str())
                    .bind(n.answer.as_str())
                    .bind(n.used_ms)
                    .bind(n.expires_ms)
                    .fetch_optional(&self.write)
                    .await?;
                    Ok(new.is_some())
                }

                async fn release_notice(&self, id: &str, used_ms: i64) -> Result<()> {
                    sqlx::query("DELETE FROM notices WHERE id = $1 AND used_ms = $2")
                        .bind(id)
                        .bind(used_ms)
                        .execute(&self.write)
                        .await?;
                    Ok(())
                }
            }
        };
    };
}

pub(super) use notice_sql;
