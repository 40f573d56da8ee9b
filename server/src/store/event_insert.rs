//! The events INSERT on PostgreSQL's ingest path, one multi-row statement per batch (SQLite
//! has its own, see sqlite_ingest.rs). PostgreSQL wraps it in the transaction that takes the
//! lock making sequence order commit order.

use sqlx::{Database, Encode, QueryBuilder, Type};

use super::NewEvent;

/// One multi-row INSERT for one app's batch; a retried event (same id) is skipped, so
/// `rows_affected` counts the new ones. 13 values a row: a 1 000-event batch stays under
/// SQLite's 32 766 bound parameters.
pub(super) fn insert_values<'a, DB>(
    app: i64,
    events: &'a [NewEvent],
    now: i64,
) -> QueryBuilder<'a, DB>
where
    DB: Database,
    DB::Arguments<'a>: Default,
    i64: Encode<'a, DB> + Type<DB>,
    &'a [u8]: Encode<'a, DB> + Type<DB>,
    &'a str: Encode<'a, DB> + Type<DB>,
    Option<&'a str>: Encode<'a, DB> + Type<DB>,
    Option<bool>: Encode<'a, DB> + Type<DB>,
{
    let mut qb = QueryBuilder::<DB>::new(
        "INSERT INTO events (app_id, event_id, ts_ms, kind, user_key, ip, data, user_ids, \
         user_exists, name, previous_key, email_domain, received_ms) ",
    );
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
            .push_bind(now);
    });
    qb.push(" ON CONFLICT (app_id, event_id) DO NOTHING");
    qb
}
