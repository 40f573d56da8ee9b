//! What SDKs follow: an app's decisions as of a cursor in its change log, and the changes
//! after one. Each answer reads in one snapshot, so a cursor and the decisions it covers agree.

use async_trait::async_trait;
use vigil_protocol::wire::{format_ts, DecisionFeed, WireDecision};

use super::DecisionRow;
use crate::error::Result;

/// One entry of an app's decision change log.
#[derive(Debug, Clone)]
pub struct DecisionChange {
    pub cursor: i64,
    pub id: String,
    /// The decision an upsert wrote; `None` for a delete (or once the decision is deleted).
    pub decision: Option<DecisionRow>,
}

#[derive(Debug, Default)]
pub struct DecisionChanges {
    /// The highest cursor retention deleted: a reader holding less has missed changes.
    pub pruned: i64,
    pub changes: Vec<DecisionChange>,
}

#[async_trait]
pub trait DecisionFeedStore: Send + Sync {
    /// The changes after `cursor` straight from the database (the hub answers recent cursors
    /// from memory).
    async fn decision_feed(&self, app: i64, cursor: i64, now: i64) -> Result<DecisionFeed>;
    /// The app's latest cursor and its decisions not deleted (expired ones included), as of
    /// that cursor.
    async fn decision_snapshot(&self, app: i64) -> Result<(i64, Vec<DecisionRow>)>;
    /// Up to `limit` changes after `after`, in cursor order.
    async fn decision_changes(&self, app: i64, after: i64, limit: i64) -> Result<DecisionChanges>;
}

/// A decision as SDKs receive it.
pub fn wire_decision(d: DecisionRow) -> WireDecision {
    WireDecision {
        id: d.id,
        scope: d.scope,
        value: d.value,
        action: d.action,
        url: d.url,
        expires_at: d.expires_ms.map(format_ts),
        reason: d.reason,
        ids: d.ids.and_then(|s| {
            serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&s).ok()
        }),
        except_devices: d
            .except_devices
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default(),
    }
}

/// Keeps the last operation per decision id, in cursor order: between two cursors a client
/// needs only each decision's final state. Returns (upserted ids, deleted ids).
pub(super) fn collapse(changes: Vec<(i64, String, String)>) -> (Vec<String>, Vec<String>) {
    let mut last: Vec<(String, bool)> = Vec::new();
    let mut pos = std::collections::HashMap::new();
    for (_, id, op) in changes {
        let upsert = op == "upsert";
        match pos.get(&id) {
            Some(&i) => {
                let entry: &mut (String, bool) = &mut last[i];
                entry.1 = upsert;
            }
            None => {
                pos.insert(id.clone(), last.len());
                last.push((id, upsert));
            }
        }
    }
    let mut upserts = Vec::new();
    let mut deletes = Vec::new();
    for (id, up) in last {
        if up {
            upserts.push(id);
        } else {
            deletes.push(id);
        }
    }
    (upserts, deletes)
}

/// `DecisionFeedStore` for a back end with a `read` pool of `$db`.
macro_rules! decision_feed_sql {
    ($store:ty, $db:ty, $d:expr) => {
        const _: () = {
            use std::collections::HashMap;

            use vigil_protocol::wire::DecisionFeed;

            use crate::error::Result;
            use crate::store::decision_feed::collapse;
            use crate::store::{
                wire_decision, DecisionChange, DecisionChanges, DecisionFeedStore, DecisionRow,
            };

            type Tx = sqlx::Transaction<'static, $db>;

            impl $store {
                /// A read transaction whose statements all see one snapshot.
                async fn begin_snapshot(&self) -> Result<Tx> {
                    let mut tx = self.read.begin().await?;
                    if let Some(isolation) = $d.snapshot {
                        sqlx::query(isolation).execute(&mut *tx).await?;
                    }
                    Ok(tx)
                }

                /// The app's latest cursor and the highest one retention deleted. The latest is
                /// never below the pruned one, even once retention emptied the change log.
                async fn decision_head(tx: &mut Tx, app: i64) -> Result<(i64, i64)> {
                    let (max, pruned): (i64, i64) = sqlx::query_as(
                        "SELECT COALESCE((SELECT MAX(cursor) FROM decision_changes WHERE app_id = $1), 0), \
                         COALESCE((SELECT pruned_cursor FROM apps WHERE id = $1), 0)",
                    )
                    .bind(app)
                    .fetch_one(&mut **tx)
                    .await?;
                    Ok((max.max(pruned), pruned))
                }

                /// Every decision of the app not deleted, expired ones included.
                async fn live_decisions(tx: &mut Tx, app: i64) -> Result<Vec<DecisionRow>> {
                    Ok(sqlx::query_as::<_, DecisionRow>(
                        "SELECT id, app_id, scope, value, action, url, expires_ms, reason, ids, except_devices, source, created_ms \
                         FROM decisions WHERE app_id = $1 AND deleted = 0 ORDER BY created_ms, id",
                    )
                    .bind(app)
                    .fetch_all(&mut **tx)
                    .await?)
                }

                /// The named decisions that are not deleted.
                async fn decisions_by_id(tx: &mut Tx, ids: &[String]) -> Result<Vec<DecisionRow>> {
                    let mut out = Vec::with_capacity(ids.len());
                    for mut qb in crate::store::chunked::selects_in::<$db, _, _>(ids, |qb| {
                        qb.push(
                            "SELECT id, app_id, scope, value, action, url, expires_ms, reason, ids, except_devices, source, created_ms \
                             FROM decisions WHERE deleted = 0 AND id IN (",
                        );
                    }) {
                        out.extend(qb.build_query_as::<DecisionRow>().fetch_all(&mut **tx).await?);
                    }
                    Ok(out)
                }
            }

            #[async_trait::async_trait]
            impl DecisionFeedStore for $store {
                async fn decision_feed(
                    &self,
                    app: i64,
                    cursor: i64,
                    now: i64,
                ) -> Result<DecisionFeed> {
                    let mut tx = self.begin_snapshot().await?;
                    let (head, pruned) = Self::decision_head(&mut tx, app).await?;
                    let mut feed = DecisionFeed {
                        cursor: head as u64,
                        ..Default::default()
                    };
                    if cursor <= 0 || cursor < pruned || cursor > head {
                        let rows = Self::live_decisions(&mut tx, app).await?;
                        feed.reset = true;
                        feed.upserts = rows
                            .into_iter()
                            .filter(|d| d.expires_ms.is_none_or(|e| e > now))
                            .map(wire_decision)
                            .collect();
                        return Ok(feed);
                    }
                    if cursor == head {
                        return Ok(feed);
                    }
                    let changes: Vec<(i64, String, String)> = sqlx::query_as(
                        "SELECT cursor, decision_id, op FROM decision_changes \
                         WHERE app_id = $1 AND cursor > $2 AND cursor <= $3 ORDER BY cursor",
                    )
                    .bind(app)
                    .bind(cursor)
                    .bind(head)
                    .fetch_all(&mut *tx)
                    .await?;
                    let (upserts, deletes) = collapse(changes);
                    feed.deletes = deletes;
                    let rows = Self::decisions_by_id(&mut tx, &upserts).await?;
                    for id in upserts {
                        match rows.iter().find(|d| d.id == id) {
                            Some(d) => feed.upserts.push(wire_decision(d.clone())),
                            None => feed.deletes.push(id),
                        }
                    }
                    Ok(feed)
                }

                async fn decision_snapshot(&self, app: i64) -> Result<(i64, Vec<DecisionRow>)> {
                    let mut tx = self.begin_snapshot().await?;
                    let (head, _) = Self::decision_head(&mut tx, app).await?;
                    let rows = Self::live_decisions(&mut tx, app).await?;
                    Ok((head, rows))
                }

                async fn decision_changes(
                    &self,
                    app: i64,
                    after: i64,
                    limit: i64,
                ) -> Result<DecisionChanges> {
                    let mut tx = self.begin_snapshot().await?;
                    let (_, pruned) = Self::decision_head(&mut tx, app).await?;
                    let rows: Vec<(i64, String, String)> = sqlx::query_as(
                        "SELECT cursor, decision_id, op FROM decision_changes \
                         WHERE app_id = $1 AND cursor > $2 ORDER BY cursor LIMIT $3",
                    )
                    .bind(app)
                    .bind(after)
                    .bind(limit)
                    .fetch_all(&mut *tx)
                    .await?;
                    let upserts: Vec<String> = rows
                        .iter()
                        .filter(|(_, _, op)| op == "upsert")
                        .map(|(_, id, _)| id.clone())
                        .collect();
                    // Decisions are immutable once written (a delete is a later change), so
                    // their current row is their row as of the upsert.
                    let mut found: HashMap<String, DecisionRow> =
                        Self::decisions_by_id(&mut tx, &upserts)
                            .await?
                            .into_iter()
                            .map(|d| (d.id.clone(), d))
                            .collect();
                    let changes = rows
                        .into_iter()
                        .map(|(cursor, id, op)| DecisionChange {
                            cursor,
                            decision: if op == "upsert" { found.remove(&id) } else { None },
                            id,
                        })
                        .collect();
                    Ok(DecisionChanges { pruned, changes })
                }
            }
        };
    };
}

pub(super) use decision_feed_sql;
