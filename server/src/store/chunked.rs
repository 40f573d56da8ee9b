//! Statements over many rows, cut into chunks: one multi-row INSERT, or one `IN (...)` list,
//! per `CHUNK` rows. These build the statements and the caller runs them: sqlx can only run a
//! builder whose bound values borrow from the caller where the back end is a concrete type.

use sqlx::query_builder::Separated;
use sqlx::{Database, Encode, QueryBuilder, Type};

/// Rows per statement: below SQLite's bound-parameter limit (32 766) for the widest table.
pub(super) const CHUNK: usize = 500;

/// One multi-row INSERT per chunk of `rows`: `head` is `INSERT INTO table (columns) `, `bind`
/// pushes one row's values in that order and `tail` is the conflict clause.
pub(super) fn inserts<'a, DB, T, F>(
    head: &'a str,
    rows: &'a [T],
    tail: &'a str,
    mut bind: F,
) -> impl Iterator<Item = QueryBuilder<'a, DB>> + Send + 'a
where
    DB: Database,
    T: Sync,
    F: FnMut(Separated<'_, 'a, DB, &'static str>, &'a T) + Send + 'a,
{
    rows.chunks(CHUNK).map(move |chunk| {
        let mut qb = QueryBuilder::new(head);
        qb.push_values(chunk, &mut bind);
        qb.push(tail);
        qb
    })
}

/// One `... IN (keys)` statement per chunk of `keys`; `head` pushes the statement up to and
/// including `IN (`.
pub(super) fn selects_in<'a, DB, K, H>(
    keys: &'a [K],
    head: H,
) -> impl Iterator<Item = QueryBuilder<'a, DB>> + Send + 'a
where
    DB: Database,
    K: Sync,
    &'a K: Encode<'a, DB> + Type<DB>,
    H: Fn(&mut QueryBuilder<'a, DB>) + Send + 'a,
{
    keys.chunks(CHUNK).map(move |chunk| {
        let mut qb = QueryBuilder::new("");
        head(&mut qb);
        let mut list = qb.separated(", ");
        for key in chunk {
            list.push_bind(key);
        }
        qb.push(")");
        qb
    })
}
