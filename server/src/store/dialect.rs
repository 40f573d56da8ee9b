//! Where the SQL the back ends share differs between SQLite and PostgreSQL: a handful of
//! statements, each back end's in its `DIALECT`.

pub(super) struct Dialect {
    pub name: &'static str,
    /// Two-argument maximum: `MAX` in SQLite, `GREATEST` in PostgreSQL.
    pub greatest: &'static str,
    /// Serializes one app's decision changes, so its cursors commit in order (`$1` = the app
    /// id as int4); SQLite has one writer anyway.
    pub lock_app: Option<&'static str>,
    /// Tells the other instances about a decision change; `$1` = "app:cursor".
    pub notify_decisions: Option<&'static str>,
    /// Run first in a read transaction so that all its statements see one snapshot (SQLite's
    /// transactions always do).
    pub snapshot: Option<&'static str>,
}
