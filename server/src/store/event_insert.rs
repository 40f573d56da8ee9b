//! The events INSERT on the ingest path. Both back ends write the same columns (`event_columns!`,
//! bound in that order); PostgreSQL sends one multi-row statement per batch, built here, inside
//! the transaction that takes the lock making sequence order commit order. SQLite steps one
//! prepared single-row statement per event instead (sqlite_ingest.rs).

use sqlx::{Postgres, QueryBuilder};

use super::NewEvent;

/// The columns of `events` an ingest insert writes, in the order both back ends bind them.
macro_rules! event_columns {
    () => {
        "app_id, event_id, ts_ms, kind, user_key, ip, data, user_ids, user_exists, name, \
         previous_key, email_domain, device, received_ms"
    };
}
pub(super) use event_columns;

/// One multi-row INSERT for one app's batch; a retried event (same id) is skipped, so
/// `rows_affected` counts the new ones.
pub(super) fn insert_values<'a>(
    app: i64,
    events: &'a [NewEvent],
    now: i64,
) -> QueryBuilder<'a, Postgres> {
    let mut qb = QueryBuilder::new(concat!("INSERT INTO events (", event_columns!(), ") "));
    qb.push_values(events, |mut b, e| {
        b.push_bind(app)
            .push_bind(&e.event_id[..])
            .push_bind(e.ts_ms)
            .push_bind(e.kind)
            .push_bind(e.user_key.as_deref())
            .push_bind(e.ip.as_deref())
            .push_bind(e.data.as_str())
            .push_bind(e.engine.user_ids.as_deref())
            .push_bind(e.engine.user_exists)
            .push_bind(e.engine.name.as_deref())
            .push_bind(e.engine.previous_key.as_deref())
            .push_bind(e.engine.email_domain.as_deref())
            .push_bind(e.engine.device.as_deref())
            .push_bind(now);
    });
    qb.push(" ON CONFLICT (app_id, event_id) DO NOTHING");
    qb
}
