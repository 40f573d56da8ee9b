//! The engine's effects: everything one pipeline step writes (signals, risk, playbook runs,
//! incidents, notifications, decisions, users), in one transaction with the engine's
//! progress. Several instances may replay the same events, so every insert skips what
//! another already wrote and `Applied` says what this one did.

use async_trait::async_trait;

use super::{DecisionRow, IncidentRow, NotificationRow, RiskRow, RunRow, SignalRow, UserRow};
use crate::error::Result;

/// Everything one pipeline step writes, in one transaction with the engine's progress.
#[derive(Debug, Default)]
pub struct Effects {
    pub signals: Vec<SignalRow>,
    pub risk: Vec<RiskRow>,
    pub runs: Vec<RunRow>,
    pub incidents: Vec<IncidentRow>,
    pub decisions: Vec<DecisionRow>,
    pub notifications: Vec<NotificationRow>,
    pub users: Vec<UserRow>,
    /// (app, user key, event seq): the per-user event index the dashboard reads.
    pub user_events: Vec<(i64, String, i64)>,
    /// (app, user key, when): users who passed a challenge, whose challenges end.
    pub challenges_passed: Vec<(i64, String, i64)>,
    /// The sequence number of the last event these effects cover; 0 leaves the stored
    /// progress as it is.
    pub progress: i64,
}

impl Effects {
    pub fn is_empty(&self) -> bool {
        self.signals.is_empty()
            && self.risk.is_empty()
            && self.runs.is_empty()
            && self.incidents.is_empty()
            && self.decisions.is_empty()
            && self.notifications.is_empty()
            && self.users.is_empty()
            && self.user_events.is_empty()
            && self.challenges_passed.is_empty()
    }
}

/// What `apply` actually inserted: other instances may have written the same effects first.
#[derive(Debug, Default)]
pub struct Applied {
    /// (app, new decision cursor) for each app whose decisions changed.
    pub cursors: Vec<(i64, i64)>,
    pub decisions: u64,
    pub runs: u64,
    /// Notifications this instance inserted, hence sends.
    pub notifications: Vec<NotificationRow>,
}

#[async_trait]
pub trait EffectStore: Send + Sync {
    /// Highest event sequence whose effects are stored.
    async fn progress(&self) -> Result<i64>;
    async fn apply(&self, effects: &Effects) -> Result<Applied>;
}

/// `EffectStore` for a back end with `read` and `write` pools of `$db`; decisions go through
/// decision_sql!'s helpers.
macro_rules! effect_sql {
    ($store:ty, $db:ty, $d:expr) => {
        const _: () = {
            use crate::error::Result;
            use crate::store::chunked::inserts;
            use crate::store::decisions::note_cursor;
            use crate::store::{Applied, DecisionRow, EffectStore, Effects};

            type Tx = sqlx::Transaction<'static, $db>;

            impl $store {
                /// The rows of the engine's findings; returns the playbook runs inserted.
                async fn insert_findings(tx: &mut Tx, fx: &Effects) -> Result<u64> {
                    for mut qb in inserts::<$db, _, _>(
                        "INSERT INTO signals (id, app_id, seq, kind, user_key, ip, points, ts_ms) ",
                        &fx.signals,
                        " ON CONFLICT (id) DO NOTHING",
                        |mut b, r| {
                            b.push_bind(r.id.as_str())
                                .push_bind(r.app_id)
                                .push_bind(r.seq)
                                .push_bind(r.kind.as_str())
                                .push_bind(r.user_key.as_deref())
                                .push_bind(r.ip.as_deref())
                                .push_bind(r.points)
                                .push_bind(r.ts_ms);
                        },
                    ) {
                        qb.build().execute(&mut **tx).await?;
                    }
                    for mut qb in inserts::<$db, _, _>(
                        "INSERT INTO risk_history (id, app_id, seq, subject, risk_before, risk_after, signal, ts_ms) ",
                        &fx.risk,
                        " ON CONFLICT (id) DO NOTHING",
                        |mut b, r| {
                            b.push_bind(r.id.as_str())
                                .push_bind(r.app_id)
                                .push_bind(r.seq)
                                .push_bind(r.subject.as_str())
                                .push_bind(r.risk_before)
                                .push_bind(r.risk_after)
                                .push_bind(r.signal.as_deref())
                                .push_bind(r.ts_ms);
                        },
                    ) {
                        qb.build().execute(&mut **tx).await?;
                    }
                    let mut runs = 0;
                    for mut qb in inserts::<$db, _, _>(
                        "INSERT INTO playbook_runs (id, app_id, seq, playbook, action, detail, user_key, ip, reason, ts_ms, shadow) ",
                        &fx.runs,
                        " ON CONFLICT (id) DO NOTHING",
                        |mut b, r| {
                            b.push_bind(r.id.as_str())
                                .push_bind(r.app_id)
                                .push_bind(r.seq)
                                .push_bind(r.playbook.as_str())
                                .push_bind(r.action.as_str())
                                .push_bind(r.detail.as_str())
                                .push_bind(r.user_key.as_deref())
                                .push_bind(r.ip.as_deref())
                                .push_bind(r.reason.as_str())
                                .push_bind(r.ts_ms)
                                .push_bind(i32::from(r.shadow));
                        },
                    ) {
                        runs += qb.build().execute(&mut **tx).await?.rows_affected();
                    }
                    for r in &fx.incidents {
                        sqlx::query(
                            "INSERT INTO incidents (id, app_id, seq, playbook, user_key, ip, reason, state, created_ms) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8) ON CONFLICT (id) DO NOTHING",
                        )
                        .bind(r.id.as_str())
                        .bind(r.app_id)
                        .bind(r.seq)
                        .bind(r.playbook.as_str())
                        .bind(r.user_key.as_deref())
                        .bind(r.ip.as_deref())
                        .bind(r.reason.as_str())
                        .bind(r.created_ms)
                        .execute(&mut **tx)
                        .await?;
                    }
                    Ok(runs)
                }

                /// The users seen and the per-user event index.
                async fn insert_sightings(tx: &mut Tx, fx: &Effects) -> Result<()> {
                    // Instances replaying the same events may write in any order: newest wins.
                    // A sighting that neither changes the risk nor moves last_seen on by a
                    // minute writes nothing: the row and its users_by_seen entry stay put
                    // (users active many times a minute would otherwise rewrite both each
                    // time). The key is a hash of the identifiers, so they never change for a
                    // user.
                    for mut qb in inserts::<$db, _, _>(
                        "INSERT INTO users (app_id, user_key, ids, primary_key, display, risk, last_seen_ms) ",
                        &fx.users,
                        " ON CONFLICT (app_id, user_key) DO UPDATE SET \
                         risk = excluded.risk, last_seen_ms = excluded.last_seen_ms \
                         WHERE users.last_seen_ms <= excluded.last_seen_ms \
                         AND (users.risk <> excluded.risk \
                              OR excluded.last_seen_ms >= users.last_seen_ms + 60000)",
                        |mut b, u| {
                            b.push_bind(u.app_id)
                                .push_bind(u.user_key.as_str())
                                .push_bind(u.ids.as_str())
                                .push_bind(u.primary_key.as_str())
                                .push_bind(u.display.as_str())
                                .push_bind(u.risk)
                                .push_bind(u.last_seen_ms);
                        },
                    ) {
                        qb.build().execute(&mut **tx).await?;
                    }
                    for mut qb in inserts::<$db, _, _>(
                        "INSERT INTO user_events (app_id, user_key, seq) ",
                        &fx.user_events,
                        " ON CONFLICT DO NOTHING",
                        |mut b, (app, key, seq)| {
                            b.push_bind(*app).push_bind(key.as_str()).push_bind(*seq);
                        },
                    ) {
                        qb.build().execute(&mut **tx).await?;
                    }
                    Ok(())
                }
            }

            #[async_trait::async_trait]
            impl EffectStore for $store {
                async fn progress(&self) -> Result<i64> {
                    Ok(sqlx::query_scalar("SELECT seq FROM engine_progress WHERE id = 1")
                        .fetch_one(&self.read)
                        .await?)
                }

                async fn apply(&self, fx: &Effects) -> Result<Applied> {
                    let mut out = Applied::default();
                    let mut tx = self.write.begin().await?;
                    out.runs = Self::insert_findings(&mut tx, fx).await?;
                    for n in &fx.notifications {
                        let new: Option<String> = sqlx::query_scalar(
                            "INSERT INTO notifications (id, app_id, target, payload, state, attempts, created_ms) \
                             VALUES ($1, $2, $3, $4, 'pending', 0, $5) ON CONFLICT (id) DO NOTHING RETURNING id",
                        )
                        .bind(n.id.as_str())
                        .bind(n.app_id)
                        .bind(n.target.as_str())
                        .bind(n.payload.as_str())
                        .bind(n.created_ms)
                        .fetch_optional(&mut *tx)
                        .await?;
                        if new.is_some() {
                            out.notifications.push(n.clone());
                        }
                    }
                    let mut decisions: Vec<&DecisionRow> = fx.decisions.iter().collect();
                    // One lock order for every writer, so two instances cannot deadlock.
                    decisions.sort_by_key(|d| d.app_id);
                    let mut locked = None;
                    for d in decisions {
                        if locked != Some(d.app_id) {
                            Self::lock_app(&mut tx, d.app_id).await?;
                            locked = Some(d.app_id);
                        }
                        if let Some(cursor) = Self::insert_engine_decision(&mut tx, d).await? {
                            out.decisions += 1;
                            note_cursor(&mut out.cursors, d.app_id, cursor);
                        }
                    }
                    let mut passed: Vec<&(i64, String, i64)> = fx.challenges_passed.iter().collect();
                    passed.sort_by_key(|p| p.0);
                    for (app, user, ts) in passed {
                        if locked != Some(*app) {
                            Self::lock_app(&mut tx, *app).await?;
                            locked = Some(*app);
                        }
                        if let Some(cursor) = Self::end_challenges(&mut tx, *app, user, *ts).await? {
                            note_cursor(&mut out.cursors, *app, cursor);
                        }
                    }
                    Self::insert_sightings(&mut tx, fx).await?;
                    if fx.progress > 0 {
                        sqlx::query(&format!(
                            "UPDATE engine_progress SET seq = {}(seq, $1) WHERE id = 1",
                            $d.greatest
                        ))
                        .bind(fx.progress)
                        .execute(&mut *tx)
                        .await?;
                    }
                    tx.commit().await?;
                    Ok(out)
                }
            }
        };
    };
}

pub(super) use effect_sql;
