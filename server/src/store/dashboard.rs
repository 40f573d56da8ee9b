//! The dashboard's queries: its own aggregate, so it evolves apart from the admin API's. Like
//! the others, the SQL is written once in the subset both back ends share and stamped out per
//! back end by `dashboard_sql!`; the tables and indexes it relies on come from the
//! `0002_dashboard` migrations.

use async_trait::async_trait;

use super::{DecisionRow, RunRow, SignalRow, UserRow};
use crate::error::Result;

/// At most this many identifier values are looked at per search: a one-letter prefix must not
/// turn a search into a scan of every user.
pub const SEARCH_CANDIDATES: i64 = 5000;
/// Events folded into the rollup per transaction, so a backlog never holds SQLite's only
/// writer for long.
pub const ROLLUP_CHUNK: i64 = 50_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserOrder {
    /// Riskiest first, then most recently seen.
    Risk,
    LastSeen,
}

/// Where the previous page ended (keyset pagination: no OFFSET, so page 2 000 costs what
/// page 1 does).
#[derive(Debug, Clone, PartialEq)]
pub struct UserCursor {
    pub risk: f64,
    pub last_seen_ms: i64,
    pub user_key: String,
}

#[derive(Debug, Clone)]
pub struct UsersQuery {
    pub app: i64,
    pub order: UserOrder,
    /// Only users with an identifier value starting with this.
    pub prefix: Option<String>,
    pub after: Option<UserCursor>,
    pub limit: i64,
}

/// Events of one app, minute and type.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MinuteCount {
    pub minute: i64,
    pub kind: String,
    pub n: i64,
}

#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct AppCounts {
    pub app_id: i64,
    pub last_hour: i64,
    pub last_day: i64,
    pub retained: i64,
}

/// The smallest string greater than every string starting with `prefix` (in byte order, which
/// both back ends use for these columns), for an index range `>= prefix AND < end`.
pub fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

#[async_trait]
pub trait DashboardStore: Send + Sync {
    async fn users_page(&self, q: &UsersQuery) -> Result<Vec<UserRow>>;
    /// The named users of an app that exist (to name them next to decisions and incidents).
    async fn users_by_key(&self, app: i64, keys: &[String]) -> Result<Vec<UserRow>>;
    /// Live, unexpired decisions whose value is `value` (a user key or an IP).
    async fn decisions_on(&self, app: i64, value: &str, now: i64) -> Result<Vec<DecisionRow>>;
    async fn event_minutes(&self, app: i64, from_minute: i64) -> Result<Vec<MinuteCount>>;
    /// Per app: events in the last hour, the last day, and all retained.
    async fn app_event_counts(&self, now_minute: i64) -> Result<Vec<AppCounts>>;
    async fn open_incident_count(&self, app: i64) -> Result<i64>;
    /// Live, unexpired decisions of an app by scope.
    async fn decision_counts(&self, app: i64, now: i64) -> Result<Vec<(String, i64)>>;
    /// The `incident` runs at these event sequence numbers: (seq, playbook, the serialized
    /// playbook action, which says what triggered it), for the incidents page in one query.
    async fn incident_runs(&self, app: i64, seqs: &[i64]) -> Result<Vec<(i64, String, String)>>;
    /// The latest signals up to event `seq` about a user (or, without one, an IP).
    async fn signals_up_to(
        &self,
        app: i64,
        user: Option<&str>,
        ip: Option<&str>,
        seq: i64,
        limit: i64,
    ) -> Result<Vec<SignalRow>>;
    async fn playbook_runs(&self, app: i64, playbook: &str, limit: i64) -> Result<Vec<RunRow>>;
    /// Folds up to `ROLLUP_CHUNK` events not yet counted into `event_minutes`; returns how
    /// many were folded (0: caught up).
    async fn roll_up_events(&self) -> Result<u64>;
    async fn prune_event_minutes(&self, before_minute: i64) -> Result<u64>;
}

macro_rules! dashboard_sql {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl crate::store::dashboard::DashboardStore for $store {
            async fn users_page(
                &self,
                q: &crate::store::dashboard::UsersQuery,
            ) -> crate::error::Result<Vec<crate::store::UserRow>> {
                use crate::store::dashboard::UserOrder;
                const COLS: &str = "SELECT u.app_id, u.user_key, u.ids, u.primary_key, u.display, u.risk, u.last_seen_ms FROM ";
                const BY_RISK: &str = " ORDER BY u.risk DESC, u.last_seen_ms DESC, u.user_key DESC";
                const BY_SEEN: &str = " ORDER BY u.last_seen_ms DESC, u.user_key DESC";
                let mut qb = sqlx::QueryBuilder::<$db>::new(COLS);
                // `(risk, last_seen, key) < cursor` or `(last_seen, key) < cursor`.
                let after = |qb: &mut sqlx::QueryBuilder<'_, $db>, with_risk: bool| {
                    if let Some(c) = &q.after {
                        qb.push(" AND (");
                        if with_risk {
                            qb.push("u.risk, ");
                        }
                        qb.push("u.last_seen_ms, u.user_key) < (");
                        if with_risk {
                            qb.push_bind(c.risk).push(", ");
                        }
                        qb.push_bind(c.last_seen_ms)
                            .push(", ")
                            .push_bind(c.user_key.clone())
                            .push(")");
                    }
                };
                if let Some(prefix) = &q.prefix {
                    // The matching keys first (an index range, bounded), then their rows.
                    // CROSS JOIN keeps that order in SQLite: walking users in page order and
                    // probing the matches instead degrades badly when few users match.
                    qb.push("(SELECT DISTINCT user_key FROM (SELECT user_key FROM user_ids WHERE app_id = ")
                        .push_bind(q.app)
                        .push(" AND value >= ")
                        .push_bind(prefix.clone())
                        .push(" AND value < ")
                        .push_bind(crate::store::dashboard::prefix_end(prefix))
                        .push(" ORDER BY value LIMIT ")
                        .push_bind(crate::store::dashboard::SEARCH_CANDIDATES)
                        .push(") c) m CROSS JOIN users u WHERE u.user_key = m.user_key AND u.app_id = ")
                        .push_bind(q.app);
                    after(&mut qb, q.order == UserOrder::Risk);
                    qb.push(if q.order == UserOrder::Risk { BY_RISK } else { BY_SEEN });
                } else if q.order == UserOrder::LastSeen {
                    qb.push("users u WHERE u.app_id = ").push_bind(q.app);
                    after(&mut qb, false);
                    qb.push(BY_SEEN);
                } else {
                    // Users with some risk (the partial index users_risky: few users, so a
                    // sighting of anyone else moves no entry in it), then everyone else by
                    // last seen (users_by_seen). Each part is at most one page; the outer sort
                    // merges at most two pages.
                    // The cursor applies to the part it fell in; every user without risk
                    // comes after every user with some.
                    let in_risky = q.after.as_ref().is_none_or(|c| c.risk > 0.0);
                    let part = |qb: &mut sqlx::QueryBuilder<'_, $db>, risky: bool, cursor: bool| {
                        qb.push("SELECT * FROM (")
                            .push(COLS)
                            .push("users u WHERE u.app_id = ")
                            .push_bind(q.app)
                            .push(if risky { " AND u.risk > 0" } else { " AND u.risk = 0" });
                        if cursor {
                            after(qb, risky);
                        }
                        qb.push(if risky { BY_RISK } else { BY_SEEN })
                            .push(" LIMIT ")
                            .push_bind(q.limit)
                            .push(if risky { ") a" } else { ") b" });
                    };
                    qb.push("(");
                    if in_risky {
                        part(&mut qb, true, true);
                        qb.push(" UNION ALL ");
                    }
                    part(&mut qb, false, !in_risky);
                    qb.push(") u").push(BY_RISK);
                }
                qb.push(" LIMIT ").push_bind(q.limit);
                Ok(qb
                    .build_query_as::<crate::store::UserRow>()
                    .fetch_all(&self.read)
                    .await?)
            }

            async fn users_by_key(
                &self,
                app: i64,
                keys: &[String],
            ) -> crate::error::Result<Vec<crate::store::UserRow>> {
                let mut out = Vec::with_capacity(keys.len());
                for mut qb in crate::store::chunked::selects_in::<$db, _, _>(keys, |qb| {
                    qb.push(
                        "SELECT app_id, user_key, ids, primary_key, display, risk, last_seen_ms FROM users \
                         WHERE app_id = ",
                    )
                    .push_bind(app)
                    .push(" AND user_key IN (");
                }) {
                    out.extend(
                        qb.build_query_as::<crate::store::UserRow>()
                            .fetch_all(&self.read)
                            .await?,
                    );
                }
                Ok(out)
            }

            async fn decisions_on(
                &self,
                app: i64,
                value: &str,
                now: i64,
            ) -> crate::error::Result<Vec<crate::store::DecisionRow>> {
                Ok(sqlx::query_as::<_, crate::store::DecisionRow>(
                    "SELECT id, app_id, scope, value, action, url, expires_ms, reason, ids, except_devices, source, created_ms \
                     FROM decisions WHERE app_id = $1 AND value = $2 AND deleted = 0 \
                     AND (expires_ms IS NULL OR expires_ms > $3) ORDER BY created_ms DESC, id",
                )
                .bind(app)
                .bind(value)
                .bind(now)
                .fetch_all(&self.read)
                .await?)
            }

            async fn event_minutes(
                &self,
                app: i64,
                from_minute: i64,
            ) -> crate::error::Result<Vec<crate::store::dashboard::MinuteCount>> {
                Ok(sqlx::query_as::<_, crate::store::dashboard::MinuteCount>(
                    "SELECT minute, kind, n FROM event_minutes WHERE app_id = $1 AND minute >= $2 \
                     ORDER BY minute",
                )
                .bind(app)
                .bind(from_minute)
                .fetch_all(&self.read)
                .await?)
            }

            async fn app_event_counts(
                &self,
                now_minute: i64,
            ) -> crate::error::Result<Vec<crate::store::dashboard::AppCounts>> {
                Ok(sqlx::query_as::<_, crate::store::dashboard::AppCounts>(
                    "SELECT app_id, \
                     CAST(SUM(CASE WHEN minute > $1 THEN n ELSE 0 END) AS BIGINT) AS last_hour, \
                     CAST(SUM(CASE WHEN minute > $2 THEN n ELSE 0 END) AS BIGINT) AS last_day, \
                     CAST(SUM(n) AS BIGINT) AS retained \
                     FROM event_minutes GROUP BY app_id",
                )
                .bind(now_minute - 60)
                .bind(now_minute - 1440)
                .fetch_all(&self.read)
                .await?)
            }

            async fn open_incident_count(&self, app: i64) -> crate::error::Result<i64> {
                Ok(sqlx::query_scalar(
                    "SELECT COUNT(*) FROM incidents WHERE app_id = $1 AND state = 'open'",
                )
                .bind(app)
                .fetch_one(&self.read)
                .await?)
            }

            async fn decision_counts(
                &self,
                app: i64,
                now: i64,
            ) -> crate::error::Result<Vec<(String, i64)>> {
                Ok(sqlx::query_as(
                    "SELECT scope, COUNT(*) FROM decisions WHERE app_id = $1 AND deleted = 0 \
                     AND (expires_ms IS NULL OR expires_ms > $2) GROUP BY scope ORDER BY scope",
                )
                .bind(app)
                .bind(now)
                .fetch_all(&self.read)
                .await?)
            }

            async fn incident_runs(
                &self,
                app: i64,
                seqs: &[i64],
            ) -> crate::error::Result<Vec<(i64, String, String)>> {
                let mut out = Vec::new();
                for mut qb in crate::store::chunked::selects_in::<$db, _, _>(seqs, |qb| {
                    qb.push(
                        "SELECT seq, playbook, detail FROM playbook_runs WHERE action = 'incident' AND app_id = ",
                    )
                    .push_bind(app)
                    .push(" AND seq IN (");
                }) {
                    out.extend(
                        qb.build_query_as::<(i64, String, String)>()
                            .fetch_all(&self.read)
                            .await?,
                    );
                }
                Ok(out)
            }

            async fn signals_up_to(
                &self,
                app: i64,
                user: Option<&str>,
                ip: Option<&str>,
                seq: i64,
                limit: i64,
            ) -> crate::error::Result<Vec<crate::store::SignalRow>> {
                let (column, value) = match (user, ip) {
                    (Some(u), _) => ("user_key", u),
                    (None, Some(ip)) => ("ip", ip),
                    (None, None) => return Ok(Vec::new()),
                };
                Ok(sqlx::query_as::<_, crate::store::SignalRow>(&format!(
                    "SELECT id, app_id, seq, kind, user_key, ip, points, ts_ms FROM signals \
                     WHERE app_id = $1 AND {column} = $2 AND seq <= $3 ORDER BY seq DESC LIMIT $4"
                ))
                .bind(app)
                .bind(value)
                .bind(seq)
                .bind(limit)
                .fetch_all(&self.read)
                .await?)
            }

            async fn playbook_runs(
                &self,
                app: i64,
                playbook: &str,
                limit: i64,
            ) -> crate::error::Result<Vec<crate::store::RunRow>> {
                Ok(sqlx::query_as::<_, crate::store::RunRow>(
                    "SELECT id, app_id, seq, playbook, action, detail, user_key, ip, reason, ts_ms, (shadow <> 0) AS shadow \
                     FROM playbook_runs WHERE app_id = $1 AND playbook = $2 ORDER BY seq DESC, id LIMIT $3",
                )
                .bind(app)
                .bind(playbook)
                .bind(limit)
                .fetch_all(&self.read)
                .await?)
            }

            async fn roll_up_events(&self) -> crate::error::Result<u64> {
                // Counted on the read pool, so SQLite's only writer (which ingest waits for)
                // is held just for the few aggregated rows; an idle server writes nothing.
                let (from, newest): (i64, Option<i64>) = sqlx::query_as(
                    "SELECT (SELECT seq FROM event_minutes_progress WHERE id = 1), (SELECT MAX(seq) FROM events)",
                )
                .fetch_one(&self.read)
                .await?;
                if newest.unwrap_or(0) <= from {
                    return Ok(0);
                }
                // Sequence order is commit order (see event_insert.rs), so once `upto` is
                // visible no event below it can still appear: nothing is skipped.
                let (upto, count): (Option<i64>, i64) = sqlx::query_as(
                    "SELECT MAX(seq), COUNT(*) FROM events WHERE seq > $1 AND seq <= $2",
                )
                .bind(from)
                .bind(from + crate::store::dashboard::ROLLUP_CHUNK)
                .fetch_one(&self.read)
                .await?;
                let upto = match upto {
                    Some(u) => u,
                    None => {
                        // A gap wider than a chunk (deleted or rolled-back events): step over it.
                        let next: Option<i64> =
                            sqlx::query_scalar("SELECT MIN(seq) FROM events WHERE seq > $1")
                                .bind(from)
                                .fetch_one(&self.read)
                                .await?;
                        match next {
                            Some(n) => n - 1,
                            None => return Ok(0),
                        }
                    }
                };
                let groups: Vec<(i64, i64, String, i64)> = sqlx::query_as(
                    "SELECT app_id, ts_ms / 60000, kind, COUNT(*) FROM events \
                     WHERE seq > $1 AND seq <= $2 GROUP BY app_id, ts_ms / 60000, kind",
                )
                .bind(from)
                .bind(upto)
                .fetch_all(&self.read)
                .await?;
                let mut tx = self.write.begin().await?;
                // Compare and set: when instances sharing a database race for the same range,
                // the first to commit moves the progress and the others add nothing (on
                // PostgreSQL the row lock makes them wait for that commit, then find no match).
                let moved = sqlx::query(
                    "UPDATE event_minutes_progress SET seq = $1 WHERE id = 1 AND seq = $2",
                )
                .bind(upto)
                .bind(from)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if moved == 0 {
                    return Ok(0);
                }
                for mut qb in crate::store::chunked::inserts::<$db, _, _>(
                    "INSERT INTO event_minutes (app_id, minute, kind, n) ",
                    &groups,
                    " ON CONFLICT (app_id, minute, kind) DO UPDATE SET n = event_minutes.n + excluded.n",
                    |mut b, (app, minute, kind, n)| {
                        b.push_bind(*app)
                            .push_bind(*minute)
                            .push_bind(kind.as_str())
                            .push_bind(*n);
                    },
                ) {
                    qb.build().execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(count.max(1) as u64)
            }

            async fn prune_event_minutes(&self, before_minute: i64) -> crate::error::Result<u64> {
                Ok(sqlx::query("DELETE FROM event_minutes WHERE minute < $1")
                    .bind(before_minute)
                    .execute(&self.write)
                    .await?
                    .rows_affected())
            }
        }
    };
}

pub(super) use dashboard_sql;
