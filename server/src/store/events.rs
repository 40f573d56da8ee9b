//! Events: what ingest stores, the engine runner reads in sequence order and the admin API
//! lists. Inserting them differs per back end (`Store::insert_events`); reading does not.

use async_trait::async_trait;

use crate::error::Result;

/// A validated event ready to insert.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub event_id: [u8; 16],
    pub ts_ms: i64,
    pub kind: &'static str,
    pub user_key: Option<String>,
    pub ip: Option<String>,
    /// The event's JSON exactly as the SDK sent it.
    pub data: String,
    pub engine: EngineFields,
}

/// The fields of an event's JSON the engine runner needs, stored in their own columns so the
/// runner never parses `data`.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct EngineFields {
    /// The user's identifiers as a JSON object, keys in order.
    pub user_ids: Option<String>,
    pub user_exists: Option<bool>,
    pub name: Option<String>,
    pub previous_key: Option<String>,
    pub email_domain: Option<String>,
    /// The request's device (`request.device`).
    pub device: Option<String>,
}

/// One app's batch, for `Store::insert_events`.
pub struct Batch<'a> {
    pub app: i64,
    pub events: &'a [NewEvent],
}

/// An event as the admin API shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredEvent {
    pub seq: i64,
    pub app_id: i64,
    pub ts_ms: i64,
    pub kind: String,
    pub user_key: Option<String>,
    pub ip: Option<String>,
    pub data: String,
    pub received_ms: i64,
}

/// An event as the engine runner reads it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TailEvent {
    pub seq: i64,
    pub app_id: i64,
    pub ts_ms: i64,
    pub kind: String,
    pub user_key: Option<String>,
    pub ip: Option<String>,
    #[sqlx(flatten)]
    pub engine: EngineFields,
}

#[async_trait]
pub trait EventStore: Send + Sync {
    /// The highest event seq stored (0 when there is none).
    async fn event_head(&self) -> Result<i64>;
    /// Events with `seq > after` in sequence order.
    async fn events_after(&self, after: i64, limit: i64) -> Result<Vec<TailEvent>>;
    /// The app's latest events (or the user's, through the per-user index), newest first.
    async fn events(&self, app: i64, user: Option<&str>, limit: i64) -> Result<Vec<StoredEvent>>;
}

/// `EventStore` for a back end with a `read` pool.
macro_rules! event_sql {
    ($store:ty) => {
        const _: () = {
            use crate::error::Result;
            use crate::store::{EventStore, StoredEvent, TailEvent};

            #[async_trait::async_trait]
            impl EventStore for $store {
                async fn event_head(&self) -> Result<i64> {
                    Ok(
                        sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM events")
                            .fetch_one(&self.read)
                            .await?,
                    )
                }

                async fn events_after(&self, after: i64, limit: i64) -> Result<Vec<TailEvent>> {
                    Ok(sqlx::query_as::<_, TailEvent>(
                        "SELECT seq, app_id, ts_ms, kind, user_key, ip, user_ids, user_exists, \
                         name, previous_key, email_domain, device FROM events WHERE seq > $1 \
                         ORDER BY seq LIMIT $2",
                    )
                    .bind(after)
                    .bind(limit)
                    .fetch_all(&self.read)
                    .await?)
                }

                async fn events(
                    &self,
                    app: i64,
                    user: Option<&str>,
                    limit: i64,
                ) -> Result<Vec<StoredEvent>> {
                    let query = match user {
                        None => sqlx::query_as::<_, StoredEvent>(
                            "SELECT seq, app_id, ts_ms, kind, user_key, ip, data, received_ms \
                             FROM events WHERE app_id = $1 ORDER BY seq DESC LIMIT $2",
                        )
                        .bind(app),
                        Some(user) => sqlx::query_as::<_, StoredEvent>(
                            "SELECT e.seq, e.app_id, e.ts_ms, e.kind, e.user_key, e.ip, e.data, \
                             e.received_ms FROM user_events u JOIN events e ON e.seq = u.seq \
                             WHERE u.app_id = $1 AND u.user_key = $2 ORDER BY u.seq DESC LIMIT $3",
                        )
                        .bind(app)
                        .bind(user),
                    };
                    Ok(query.bind(limit).fetch_all(&self.read).await?)
                }
            }
        };
    };
}

pub(super) use event_sql;
