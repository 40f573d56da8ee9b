//! The SQL both back ends run. It is written once, in the subset SQLite and PostgreSQL share
//! (`$N` parameters, `ON CONFLICT`, `RETURNING`), and stamped out per back end by `sql_store!`;
//! what differs is in a `Dialect`.

pub(super) struct Dialect {
    pub name: &'static str,
    /// Two-argument maximum: `MAX` in SQLite, `GREATEST` in PostgreSQL.
    pub greatest: &'static str,
    /// Same for one app's decision cursors (`$1` = the app id as int4).
    pub lock_app: Option<&'static str>,
    /// `$1` = "app:cursor".
    pub notify_decisions: Option<&'static str>,
    /// Run first in a read transaction so that all its statements see one snapshot (SQLite's
    /// transactions always do).
    pub snapshot: Option<&'static str>,
}

/// Rows per multi-row INSERT: below SQLite's bound-parameter limit (32 766) for the widest
/// table.
pub(super) const CHUNK: usize = 500;

/// Keeps the last operation per decision id, in cursor order: between two cursors a client
/// needs only each decision's final state.
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

macro_rules! sql_store {
    ($store:ty, $db:ty, $d:expr) => {
        #[async_trait::async_trait]
        impl crate::store::Store for $store {
            fn backend(&self) -> &'static str {
                $d.name
            }

            async fn ping(&self) -> crate::error::Result<()> {
                sqlx::query("SELECT 1").execute(&self.read).await?;
                Ok(())
            }

            async fn create_app(
                &self,
                name: &str,
                token_hash: &[u8; 32],
                now: i64,
            ) -> crate::error::Result<crate::store::AppRow> {
                let res = sqlx::query_as::<_, crate::store::AppRow>(
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
                    Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(
                        crate::error::Error::Conflict(format!("an app named {name:?} exists")),
                    ),
                    Err(e) => Err(e.into()),
                }
            }

            async fn list_apps(&self) -> crate::error::Result<Vec<crate::store::AppRow>> {
                Ok(sqlx::query_as::<_, crate::store::AppRow>(
                    "SELECT id, name, token_hash, created_ms FROM apps ORDER BY id",
                )
                .fetch_all(&self.read)
                .await?)
            }

            async fn admin_hash(&self) -> crate::error::Result<Option<[u8; 32]>> {
                let v: Option<String> =
                    sqlx::query_scalar("SELECT value FROM settings WHERE key = 'admin_token_sha256'")
                        .fetch_optional(&self.read)
                        .await?;
                Ok(v.and_then(|h| {
                    let mut out = [0u8; 32];
                    hex::decode_to_slice(h, &mut out).ok().map(|_| out)
                }))
            }

            async fn set_admin_hash(&self, hash: &[u8; 32]) -> crate::error::Result<()> {
                sqlx::query(
                    "INSERT INTO settings (key, value) VALUES ('admin_token_sha256', $1) \
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                )
                .bind(hex::encode(hash))
                .execute(&self.write)
                .await?;
                Ok(())
            }

            async fn insert_events(
                &self,
                batches: &[crate::store::Batch<'_>],
                now: i64,
            ) -> crate::error::Result<Vec<u64>> {
                // The hot path differs per back end: see `insert_event_batches` in each.
                self.insert_event_batches(batches, now).await
            }

            async fn sync_events(&self) -> crate::error::Result<()> {
                self.sync_event_batches().await
            }

            async fn events_after(
                &self,
                after: i64,
                limit: i64,
            ) -> crate::error::Result<Vec<crate::store::TailEvent>> {
                Ok(sqlx::query_as::<_, crate::store::TailEvent>(
                    "SELECT seq, app_id, ts_ms, kind, user_key, ip, user_ids, user_exists, name, \
                     previous_key, email_domain FROM events WHERE seq > $1 ORDER BY seq LIMIT $2",
                )
                .bind(after)
                .bind(limit)
                .fetch_all(&self.read)
                .await?)
            }

            async fn event_head(&self) -> crate::error::Result<i64> {
                Ok(sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM events")
                    .fetch_one(&self.read)
                    .await?)
            }

            async fn progress(&self) -> crate::error::Result<i64> {
                Ok(sqlx::query_scalar("SELECT seq FROM engine_progress WHERE id = 1")
                    .fetch_one(&self.read)
                    .await?)
            }

            async fn apply(
                &self,
                fx: &crate::store::Effects,
            ) -> crate::error::Result<crate::store::Applied> {
                let mut out = crate::store::Applied::default();
                let mut tx = self.write.begin().await?;
                for chunk in fx.signals.chunks(crate::store::shared::CHUNK) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO signals (id, app_id, seq, kind, user_key, ip, points, ts_ms) ",
                    );
                    qb.push_values(chunk, |mut b, r| {
                        b.push_bind(r.id.as_str())
                            .push_bind(r.app_id)
                            .push_bind(r.seq)
                            .push_bind(r.kind.as_str())
                            .push_bind(r.user_key.as_deref())
                            .push_bind(r.ip.as_deref())
                            .push_bind(r.points)
                            .push_bind(r.ts_ms);
                    });
                    qb.push(" ON CONFLICT (id) DO NOTHING");
                    qb.build().execute(&mut *tx).await?;
                }
                for chunk in fx.risk.chunks(crate::store::shared::CHUNK) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO risk_history (id, app_id, seq, subject, risk_before, risk_after, signal, ts_ms) ",
                    );
                    qb.push_values(chunk, |mut b, r| {
                        b.push_bind(r.id.as_str())
                            .push_bind(r.app_id)
                            .push_bind(r.seq)
                            .push_bind(r.subject.as_str())
                            .push_bind(r.risk_before)
                            .push_bind(r.risk_after)
                            .push_bind(r.signal.as_deref())
                            .push_bind(r.ts_ms);
                    });
                    qb.push(" ON CONFLICT (id) DO NOTHING");
                    qb.build().execute(&mut *tx).await?;
                }
                for chunk in fx.runs.chunks(crate::store::shared::CHUNK) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO playbook_runs (id, app_id, seq, playbook, action, detail, user_key, ip, reason, ts_ms) ",
                    );
                    qb.push_values(chunk, |mut b, r| {
                        b.push_bind(r.id.as_str())
                            .push_bind(r.app_id)
                            .push_bind(r.seq)
                            .push_bind(r.playbook.as_str())
                            .push_bind(r.action.as_str())
                            .push_bind(r.detail.as_str())
                            .push_bind(r.user_key.as_deref())
                            .push_bind(r.ip.as_deref())
                            .push_bind(r.reason.as_str())
                            .push_bind(r.ts_ms);
                    });
                    qb.push(" ON CONFLICT (id) DO NOTHING");
                    out.runs += qb.build().execute(&mut *tx).await?.rows_affected();
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
                    .execute(&mut *tx)
                    .await?;
                }
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
                let mut decisions: Vec<&crate::store::DecisionRow> = fx.decisions.iter().collect();
                // One lock order for every writer, so two instances cannot deadlock.
                decisions.sort_by_key(|d| d.app_id);
                let mut locked = None;
                for d in decisions {
                    if locked != Some(d.app_id) {
                        if let Some(lock) = $d.lock_app {
                            sqlx::query(lock).bind(d.app_id as i32).execute(&mut *tx).await?;
                        }
                        locked = Some(d.app_id);
                    }
                    let new: Option<String> = sqlx::query_scalar(
                        "INSERT INTO decisions (id, app_id, scope, value, action, url, expires_ms, reason, ids, source, created_ms) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING RETURNING id",
                    )
                    .bind(d.id.as_str())
                    .bind(d.app_id)
                    .bind(d.scope.as_str())
                    .bind(d.value.as_str())
                    .bind(d.action.as_str())
                    .bind(d.url.as_deref())
                    .bind(d.expires_ms)
                    .bind(d.reason.as_str())
                    .bind(d.ids.as_deref())
                    .bind(d.source.as_str())
                    .bind(d.created_ms)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if new.is_some() {
                        let cursor = Self::log_change(&mut tx, d.app_id, &d.id, "upsert", d.created_ms).await?;
                        out.decisions += 1;
                        match out.cursors.iter_mut().find(|(a, _)| *a == d.app_id) {
                            Some(slot) => slot.1 = cursor,
                            None => out.cursors.push((d.app_id, cursor)),
                        }
                    }
                }
                for chunk in fx.users.chunks(crate::store::shared::CHUNK) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO users (app_id, user_key, ids, primary_key, display, risk, last_seen_ms) ",
                    );
                    qb.push_values(chunk, |mut b, u| {
                        b.push_bind(u.app_id)
                            .push_bind(u.user_key.as_str())
                            .push_bind(u.ids.as_str())
                            .push_bind(u.primary_key.as_str())
                            .push_bind(u.display.as_str())
                            .push_bind(u.risk)
                            .push_bind(u.last_seen_ms);
                    });
                    // Instances replaying the same events may write in any order: newest wins.
                    // A sighting that neither changes the risk nor moves last_seen on by a
                    // minute writes nothing: the row and its users_by_seen entry stay put
                    // (users active many times a minute would otherwise rewrite both each time).
                    qb.push(
                        // The key is a hash of the identifiers, so they never change for a user.
                        " ON CONFLICT (app_id, user_key) DO UPDATE SET \
                         risk = excluded.risk, last_seen_ms = excluded.last_seen_ms \
                         WHERE users.last_seen_ms <= excluded.last_seen_ms \
                         AND (users.risk <> excluded.risk \
                              OR excluded.last_seen_ms >= users.last_seen_ms + 60000)",
                    );
                    qb.build().execute(&mut *tx).await?;
                }
                for chunk in fx.user_events.chunks(crate::store::shared::CHUNK) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO user_events (app_id, user_key, seq) ",
                    );
                    qb.push_values(chunk, |mut b, (app, key, seq)| {
                        b.push_bind(*app).push_bind(key.as_str()).push_bind(*seq);
                    });
                    qb.push(" ON CONFLICT DO NOTHING");
                    qb.build().execute(&mut *tx).await?;
                }
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

            async fn decision_feed(
                &self,
                app: i64,
                cursor: i64,
                now: i64,
            ) -> crate::error::Result<vigil_protocol::wire::DecisionFeed> {
                let mut tx = self.begin_snapshot().await?;
                let (head, pruned) = Self::decision_head(&mut tx, app).await?;
                let mut feed = vigil_protocol::wire::DecisionFeed {
                    cursor: head as u64,
                    ..Default::default()
                };
                if cursor <= 0 || cursor < pruned || cursor > head {
                    let rows = Self::live_decisions(&mut tx, app).await?;
                    feed.reset = true;
                    feed.upserts = rows
                        .into_iter()
                        .filter(|d| d.expires_ms.is_none_or(|e| e > now))
                        .map(crate::store::wire_decision)
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
                let (upserts, deletes) = crate::store::shared::collapse(changes);
                feed.deletes = deletes;
                let rows = Self::decisions_by_id(&mut tx, &upserts).await?;
                for id in upserts {
                    match rows.iter().find(|d| d.id == id) {
                        Some(d) => feed.upserts.push(crate::store::wire_decision(d.clone())),
                        None => feed.deletes.push(id),
                    }
                }
                Ok(feed)
            }

            async fn decision_snapshot(
                &self,
                app: i64,
            ) -> crate::error::Result<(i64, Vec<crate::store::DecisionRow>)> {
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
            ) -> crate::error::Result<crate::store::DecisionChanges> {
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
                // Decisions are immutable once written (a delete is a later change), so their
                // current row is their row as of the upsert.
                let mut found: std::collections::HashMap<String, crate::store::DecisionRow> =
                    Self::decisions_by_id(&mut tx, &upserts)
                        .await?
                        .into_iter()
                        .map(|d| (d.id.clone(), d))
                        .collect();
                let changes = rows
                    .into_iter()
                    .map(|(cursor, id, op)| crate::store::DecisionChange {
                        cursor,
                        decision: if op == "upsert" { found.remove(&id) } else { None },
                        id,
                    })
                    .collect();
                Ok(crate::store::DecisionChanges { pruned, changes })
            }

            async fn decisions(
                &self,
                app: i64,
                now: i64,
            ) -> crate::error::Result<Vec<crate::store::DecisionRow>> {
                Ok(sqlx::query_as::<_, crate::store::DecisionRow>(
                    "SELECT id, app_id, scope, value, action, url, expires_ms, reason, ids, source, created_ms \
                     FROM decisions WHERE app_id = $1 AND deleted = 0 \
                     AND (expires_ms IS NULL OR expires_ms > $2) ORDER BY created_ms DESC, id",
                )
                .bind(app)
                .bind(now)
                .fetch_all(&self.read)
                .await?)
            }

            async fn decision(
                &self,
                id: &str,
            ) -> crate::error::Result<Option<crate::store::DecisionRow>> {
                Ok(sqlx::query_as::<_, crate::store::DecisionRow>(
                    "SELECT id, app_id, scope, value, action, url, expires_ms, reason, ids, source, created_ms \
                     FROM decisions WHERE id = $1 AND deleted = 0",
                )
                .bind(id)
                .fetch_optional(&self.read)
                .await?)
            }

            async fn insert_decision(
                &self,
                d: &crate::store::DecisionRow,
                now: i64,
            ) -> crate::error::Result<i64> {
                let mut tx = self.write.begin().await?;
                if let Some(lock) = $d.lock_app {
                    sqlx::query(lock).bind(d.app_id as i32).execute(&mut *tx).await?;
                }
                sqlx::query(
                    "INSERT INTO decisions (id, app_id, scope, value, action, url, expires_ms, reason, ids, source, created_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(d.id.as_str())
                .bind(d.app_id)
                .bind(d.scope.as_str())
                .bind(d.value.as_str())
                .bind(d.action.as_str())
                .bind(d.url.as_deref())
                .bind(d.expires_ms)
                .bind(d.reason.as_str())
                .bind(d.ids.as_deref())
                .bind(d.source.as_str())
                .bind(d.created_ms)
                .execute(&mut *tx)
                .await?;
                let cursor = Self::log_change(&mut tx, d.app_id, &d.id, "upsert", now).await?;
                tx.commit().await?;
                Ok(cursor)
            }

            async fn delete_decision(
                &self,
                id: &str,
                now: i64,
            ) -> crate::error::Result<Option<(i64, i64)>> {
                let mut tx = self.write.begin().await?;
                let app: Option<i64> =
                    sqlx::query_scalar("SELECT app_id FROM decisions WHERE id = $1 AND deleted = 0")
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                let Some(app) = app else {
                    return Ok(None);
                };
                if let Some(lock) = $d.lock_app {
                    sqlx::query(lock).bind(app as i32).execute(&mut *tx).await?;
                }
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

            async fn expire_decisions(
                &self,
                now: i64,
            ) -> crate::error::Result<Vec<(i64, i64)>> {
                let ids: Vec<String> = sqlx::query_scalar(
                    "SELECT id FROM decisions WHERE deleted = 0 AND expires_ms <= $1 ORDER BY expires_ms",
                )
                .bind(now)
                .fetch_all(&self.read)
                .await?;
                let mut cursors: Vec<(i64, i64)> = Vec::new();
                for id in ids {
                    // Another instance may expire it first: then this is a no-op.
                    if let Some((app, cursor)) = self.delete_decision(&id, now).await? {
                        match cursors.iter_mut().find(|(a, _)| *a == app) {
                            Some(slot) => slot.1 = cursor,
                            None => cursors.push((app, cursor)),
                        }
                    }
                }
                Ok(cursors)
            }

            async fn active_decisions(&self, now: i64) -> crate::error::Result<i64> {
                Ok(sqlx::query_scalar(
                    "SELECT COUNT(*) FROM decisions WHERE deleted = 0 AND (expires_ms IS NULL OR expires_ms > $1)",
                )
                .bind(now)
                .fetch_one(&self.read)
                .await?)
            }

            async fn user(
                &self,
                app: i64,
                key: &str,
            ) -> crate::error::Result<Option<crate::store::UserRow>> {
                Ok(sqlx::query_as::<_, crate::store::UserRow>(
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
            ) -> crate::error::Result<Vec<crate::store::SignalRow>> {
                Ok(sqlx::query_as::<_, crate::store::SignalRow>(
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
            ) -> crate::error::Result<Vec<crate::store::RiskRow>> {
                Ok(sqlx::query_as::<_, crate::store::RiskRow>(
                    "SELECT id, app_id, seq, subject, risk_before, risk_after, signal, ts_ms FROM risk_history \
                     WHERE app_id = $1 AND subject = $2 ORDER BY seq DESC LIMIT $3",
                )
                .bind(app)
                .bind(subject)
                .bind(limit)
                .fetch_all(&self.read)
                .await?)
            }

            async fn events(
                &self,
                app: i64,
                user: Option<&str>,
                limit: i64,
            ) -> crate::error::Result<Vec<crate::store::StoredEvent>> {
                let query = match user {
                    None => sqlx::query_as::<_, crate::store::StoredEvent>(
                        "SELECT seq, app_id, ts_ms, kind, user_key, ip, data, received_ms FROM events \
                         WHERE app_id = $1 ORDER BY seq DESC LIMIT $2",
                    )
                    .bind(app),
                    Some(user) => sqlx::query_as::<_, crate::store::StoredEvent>(
                        "SELECT e.seq, e.app_id, e.ts_ms, e.kind, e.user_key, e.ip, e.data, e.received_ms \
                         FROM user_events u JOIN events e ON e.seq = u.seq \
                         WHERE u.app_id = $1 AND u.user_key = $2 ORDER BY u.seq DESC LIMIT $3",
                    )
                    .bind(app)
                    .bind(user),
                };
                Ok(query.bind(limit).fetch_all(&self.read).await?)
            }

            async fn incidents(
                &self,
                app: i64,
                state: Option<&str>,
                limit: i64,
            ) -> crate::error::Result<Vec<crate::store::IncidentRow>> {
                Ok(sqlx::query_as::<_, crate::store::IncidentRow>(
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

            async fn resolve_incident(&self, id: &str, now: i64) -> crate::error::Result<bool> {
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
                let exists: Option<String> = sqlx::query_scalar("SELECT id FROM incidents WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.read)
                    .await?;
                Ok(exists.is_some())
            }

            async fn runs(
                &self,
                app: i64,
                limit: i64,
            ) -> crate::error::Result<Vec<crate::store::RunRow>> {
                Ok(sqlx::query_as::<_, crate::store::RunRow>(
                    "SELECT id, app_id, seq, playbook, action, detail, user_key, ip, reason, ts_ms \
                     FROM playbook_runs WHERE app_id = $1 ORDER BY seq DESC, id LIMIT $2",
                )
                .bind(app)
                .bind(limit)
                .fetch_all(&self.read)
                .await?)
            }

            async fn notifications(
                &self,
                app: Option<i64>,
                limit: i64,
            ) -> crate::error::Result<Vec<crate::store::NotificationRow>> {
                Ok(sqlx::query_as::<_, crate::store::NotificationRow>(
                    "SELECT id, app_id, target, payload, state, attempts, created_ms FROM notifications \
                     WHERE ($1 IS NULL OR app_id = $1) ORDER BY created_ms DESC, id LIMIT $2",
                )
                .bind(app)
                .bind(limit)
                .fetch_all(&self.read)
                .await?)
            }

            async fn attempts(
                &self,
                app: Option<i64>,
                limit: i64,
            ) -> crate::error::Result<Vec<crate::store::AttemptRow>> {
                Ok(sqlx::query_as::<_, crate::store::AttemptRow>(
                    "SELECT notification_id, app_id, target, kind, attempt, ok, status, error, ts_ms \
                     FROM notification_attempts WHERE ($1 IS NULL OR app_id = $1) ORDER BY id DESC LIMIT $2",
                )
                .bind(app)
                .bind(limit)
                .fetch_all(&self.read)
                .await?)
            }

            async fn pending_notifications(
                &self,
            ) -> crate::error::Result<Vec<crate::store::NotificationRow>> {
                Ok(sqlx::query_as::<_, crate::store::NotificationRow>(
                    "SELECT id, app_id, target, payload, state, attempts, created_ms FROM notifications \
                     WHERE state = 'pending' ORDER BY created_ms",
                )
                .fetch_all(&self.read)
                .await?)
            }

            async fn record_attempt(
                &self,
                a: &crate::store::AttemptRow,
                state: &str,
            ) -> crate::error::Result<()> {
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

            async fn prune(&self, before_ms: i64) -> crate::error::Result<u64> {
                // Never drop an event the engine has not processed yet.
                let progress: i64 =
                    sqlx::query_scalar("SELECT seq FROM engine_progress WHERE id = 1")
                        .fetch_one(&self.write)
                        .await?;
                let cut = crate::store::retention::first_kept_seq(progress, before_ms, |seq| async move {
                    Ok(sqlx::query_as::<_, (i64, i64)>(
                        "SELECT seq, received_ms FROM events WHERE seq >= $1 ORDER BY seq LIMIT 1",
                    )
                    .bind(seq)
                    .fetch_optional(&self.read)
                    .await?)
                })
                .await?;
                // In slices, each its own transaction: ingest waits for the same writer.
                let mut events = 0;
                loop {
                    let n = sqlx::query(
                        "DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE seq < $1 \
                         ORDER BY seq LIMIT $2)",
                    )
                    .bind(cut)
                    .bind(crate::store::retention::SLICE)
                    .execute(&self.write)
                    .await?
                    .rows_affected();
                    events += n;
                    if n < crate::store::retention::SLICE as u64 {
                        break;
                    }
                }
                let mut tx = self.write.begin().await?;
                sqlx::query("DELETE FROM user_events WHERE seq < $1")
                    .bind(cut)
                    .execute(&mut *tx)
                    .await?;
                for table in ["signals", "risk_history", "playbook_runs", "notification_attempts"] {
                    sqlx::query(&format!("DELETE FROM {table} WHERE ts_ms < $1"))
                        .bind(before_ms)
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query(
                    "UPDATE apps SET pruned_cursor = COALESCE((SELECT MAX(c.cursor) FROM decision_changes c \
                     WHERE c.app_id = apps.id AND c.ts_ms < $1), pruned_cursor)",
                )
                .bind(before_ms)
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM decision_changes WHERE ts_ms < $1")
                    .bind(before_ms)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM decisions WHERE deleted = 1 AND created_ms < $1")
                    .bind(before_ms)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(events)
            }

            async fn listen(
                &self,
                tx: tokio::sync::mpsc::UnboundedSender<crate::store::Change>,
            ) -> crate::error::Result<()> {
                self.start_listening(tx).await
            }
        }

        impl $store {
            /// A read transaction whose statements all see one snapshot, so that a cursor and
            /// the decisions it covers always agree.
            async fn begin_snapshot(
                &self,
            ) -> crate::error::Result<sqlx::Transaction<'static, $db>> {
                let mut tx = self.read.begin().await?;
                if let Some(isolation) = $d.snapshot {
                    sqlx::query(isolation).execute(&mut *tx).await?;
                }
                Ok(tx)
            }

            /// The app's latest cursor and the highest one retention deleted. The latest is
            /// never below the pruned one, even once retention emptied the change log.
            async fn decision_head(
                tx: &mut sqlx::Transaction<'static, $db>,
                app: i64,
            ) -> crate::error::Result<(i64, i64)> {
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
            async fn live_decisions(
                tx: &mut sqlx::Transaction<'static, $db>,
                app: i64,
            ) -> crate::error::Result<Vec<crate::store::DecisionRow>> {
                Ok(sqlx::query_as::<_, crate::store::DecisionRow>(
                    "SELECT id, app_id, scope, value, action, url, expires_ms, reason, ids, source, created_ms \
                     FROM decisions WHERE app_id = $1 AND deleted = 0 ORDER BY created_ms, id",
                )
                .bind(app)
                .fetch_all(&mut **tx)
                .await?)
            }

            /// The named decisions that are not deleted.
            async fn decisions_by_id(
                tx: &mut sqlx::Transaction<'static, $db>,
                ids: &[String],
            ) -> crate::error::Result<Vec<crate::store::DecisionRow>> {
                let mut out = Vec::with_capacity(ids.len());
                for chunk in ids.chunks(crate::store::shared::CHUNK) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(
                        "SELECT id, app_id, scope, value, action, url, expires_ms, reason, ids, source, created_ms \
                         FROM decisions WHERE deleted = 0 AND id IN (",
                    );
                    let mut sep = qb.separated(", ");
                    for id in chunk {
                        sep.push_bind(id.as_str());
                    }
                    qb.push(")");
                    out.extend(
                        qb.build_query_as::<crate::store::DecisionRow>()
                            .fetch_all(&mut **tx)
                            .await?,
                    );
                }
                Ok(out)
            }

            /// Appends to the decision change log and announces the new cursor; the caller
            /// holds the app's lock, so cursors commit in order.
            async fn log_change(
                tx: &mut sqlx::Transaction<'static, $db>,
                app: i64,
                id: &str,
                op: &str,
                now: i64,
            ) -> crate::error::Result<i64> {
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
    };
}

pub(super) use sql_store;
