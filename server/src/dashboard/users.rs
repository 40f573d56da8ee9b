//! Users: searchable by any identifier value (a prefix), sortable by risk or last seen,
//! paginated by keyset so every page costs the same at 100 000 users.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use vigil_protocol::UserKey;

use super::session::SignedIn;
use super::{format, layout, render, Layout, NoApp};
use crate::error::Result;
use crate::state::{now_ms, AppState};
use crate::store::dashboard::{UserCursor, UserOrder, UsersQuery};
use crate::store::UserRow;

const PAGE: i64 = 50;

/// A user in a list: named by the primary identifier, as the seeds describe.
pub struct UserLine {
    pub key: String,
    pub primary: String,
    pub display: String,
    /// The other identifiers, `key: value`.
    pub others: Vec<String>,
    pub risk: String,
    pub risk_class: &'static str,
    pub last_seen: String,
}

impl UserLine {
    pub fn new(u: &UserRow, now: i64) -> UserLine {
        UserLine {
            key: u.user_key.clone(),
            primary: u.primary_key.clone(),
            display: u.display.clone(),
            others: format::ids(&u.ids)
                .into_iter()
                .filter(|(k, _)| *k != u.primary_key)
                .map(|(k, v)| format!("{k}: {v}"))
                .collect(),
            risk: format::score(u.risk),
            risk_class: format::risk_class(u.risk),
            last_seen: format::relative(u.last_seen_ms, now),
        }
    }
}

#[derive(Deserialize)]
pub struct UsersParams {
    app: Option<i64>,
    #[serde(default)]
    q: String,
    sort: Option<String>,
    after: Option<String>,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    layout: Layout,
    q: String,
    sort: &'static str,
    users: Vec<UserLine>,
    /// The `after` parameter of the next page, when there is one.
    next: Option<String>,
    first_page: bool,
}

fn encode_cursor(u: &UserRow) -> String {
    format!("{}~{}~{}", u.risk, u.last_seen_ms, u.user_key)
}

fn decode_cursor(s: &str) -> Option<UserCursor> {
    let mut parts = s.splitn(3, '~');
    Some(UserCursor {
        risk: parts.next()?.parse().ok()?,
        last_seen_ms: parts.next()?.parse().ok()?,
        user_key: parts.next()?.to_owned(),
    })
}

/// What a search box text looks for: identifier values are stored normalized, and e-mail
/// addresses lower-cased, so a text with `@` is lower-cased too.
fn search_prefix(q: &str) -> Option<String> {
    let q = q.trim();
    match q {
        "" => None,
        q if q.contains('@') => Some(q.to_lowercase()),
        q => Some(q.to_owned()),
    }
}

pub async fn page(
    State(st): State<AppState>,
    session: SignedIn,
    Query(p): Query<UsersParams>,
) -> Result<Response> {
    let layout = layout(&st, session, "users", "Users", p.app).await?;
    if layout.app == 0 {
        return Ok(render(&NoApp { layout }));
    }
    let (order, sort) = match p.sort.as_deref() {
        Some("last_seen") => (UserOrder::LastSeen, "last_seen"),
        _ => (UserOrder::Risk, "risk"),
    };
    let after = p.after.as_deref().and_then(decode_cursor);
    let first_page = after.is_none();
    let mut rows = match p.q.trim().parse::<UserKey>() {
        // A user key finds that user.
        Ok(key) if first_page => {
            st.store
                .users_by_key(layout.app, &[key.to_string()])
                .await?
        }
        _ => {
            st.store
                .users_page(&UsersQuery {
                    app: layout.app,
                    order,
                    prefix: search_prefix(&p.q),
                    after,
                    limit: PAGE + 1,
                })
                .await?
        }
    };
    let next = if rows.len() as i64 > PAGE {
        rows.truncate(PAGE as usize);
        rows.last().map(encode_cursor)
    } else {
        None
    };
    let now = now_ms();
    Ok(render(&UsersPage {
        layout,
        q: p.q.trim().to_owned(),
        sort,
        users: rows.iter().map(|u| UserLine::new(u, now)).collect(),
        next,
        first_page,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_search_normalizes_emails() {
        let u = UserRow {
            app_id: 1,
            user_key: "u_0123".into(),
            ids: "{}".into(),
            primary_key: "email".into(),
            display: "a@x.io".into(),
            risk: 12.345678901234567,
            last_seen_ms: 1_700_000_000_123,
        };
        let c = decode_cursor(&encode_cursor(&u)).unwrap();
        assert_eq!(
            (c.risk, c.last_seen_ms, c.user_key.as_str()),
            (u.risk, u.last_seen_ms, "u_0123")
        );
        assert_eq!(decode_cursor("x~1~u"), None);
        assert_eq!(
            search_prefix("  Alice@Example.COM "),
            Some("alice@example.com".into())
        );
        assert_eq!(search_prefix("Alice"), Some("Alice".into()));
        assert_eq!(search_prefix("   "), None);
    }
}
