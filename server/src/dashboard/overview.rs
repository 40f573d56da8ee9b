//! Overview: events per minute, logins failed against succeeded, open incidents, active
//! bans and the riskiest users now.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::session::SignedIn;
use super::users::UserLine;
use super::{layout, render, Layout, NoApp};
use crate::error::Result;
use crate::state::{now_ms, AppState};
use crate::store::dashboard::{UserOrder, UsersQuery};

#[derive(Deserialize)]
pub struct OverviewQuery {
    app: Option<i64>,
    hours: Option<i64>,
}

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    layout: Layout,
    hours: i64,
    chart: String,
    total: i64,
    succeeded: i64,
    failed: i64,
    open_incidents: i64,
    bans: Vec<(String, i64)>,
    riskiest: Vec<UserLine>,
}

/// Events per minute for the chart: one point per minute of the window, zeros included, and
/// the day's totals of all events, successful and failed logins.
fn per_minute(
    rows: &[crate::store::dashboard::MinuteCount],
    from: i64,
    to: i64,
) -> (serde_json::Value, [i64; 3]) {
    let len = (to - from + 1) as usize;
    let (mut all, mut ok, mut failed) = (vec![0i64; len], vec![0i64; len], vec![0i64; len]);
    for r in rows.iter().filter(|r| r.minute >= from && r.minute <= to) {
        let i = (r.minute - from) as usize;
        all[i] += r.n;
        match r.kind.as_str() {
            "auth.success" => ok[i] += r.n,
            "auth.failure" => failed[i] += r.n,
            _ => {}
        }
    }
    let day_from = to - 1440;
    let mut day = [0i64; 3];
    for r in rows.iter().filter(|r| r.minute > day_from) {
        day[0] += r.n;
        match r.kind.as_str() {
            "auth.success" => day[1] += r.n,
            "auth.failure" => day[2] += r.n,
            _ => {}
        }
    }
    let x: Vec<i64> = (from..=to).map(|m| m * 60).collect();
    let chart = json!({
        "x": x,
        "series": [
            {"label": "all events", "values": all},
            {"label": "logins succeeded", "values": ok},
            {"label": "logins failed", "values": failed},
        ],
    });
    (chart, day)
}

pub async fn page(
    State(st): State<AppState>,
    session: SignedIn,
    Query(q): Query<OverviewQuery>,
) -> Result<Response> {
    let layout = layout(&st, session, "overview", "Overview", q.app).await?;
    if layout.app == 0 {
        return Ok(render(&NoApp { layout }));
    }
    let app = layout.app;
    let hours = q.hours.unwrap_or(6).clamp(1, 24);
    let now = now_ms();
    let to = now / 60_000;
    let rows = st.store.event_minutes(app, to - 1440).await?;
    let (chart, [total, succeeded, failed]) = per_minute(&rows, to - hours * 60 + 1, to);
    let open_incidents = st.store.open_incident_count(app).await?;
    let bans = st.store.decision_counts(app, now).await?;
    let riskiest = st
        .store
        .users_page(&UsersQuery {
            app,
            order: UserOrder::Risk,
            prefix: None,
            after: None,
            limit: 10,
        })
        .await?
        .iter()
        .map(|u| UserLine::new(u, now))
        .collect();
    Ok(render(&OverviewPage {
        layout,
        hours,
        chart: chart.to_string(),
        total,
        succeeded,
        failed,
        open_incidents,
        bans,
        riskiest,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::dashboard::MinuteCount;

    fn row(minute: i64, kind: &str, n: i64) -> MinuteCount {
        MinuteCount {
            minute,
            kind: kind.into(),
            n,
        }
    }

    #[test]
    fn fills_every_minute_and_sums_the_day() {
        let rows = [
            row(10, "auth.success", 3),
            row(10, "auth.failure", 2),
            row(12, "signup", 1),
            row(-5000, "auth.failure", 7),
        ];
        let (chart, day) = per_minute(&rows, 9, 12);
        assert_eq!(chart["x"], json!([540, 600, 660, 720]));
        assert_eq!(chart["series"][0]["values"], json!([0, 5, 0, 1]));
        assert_eq!(chart["series"][1]["values"], json!([0, 3, 0, 0]));
        assert_eq!(chart["series"][2]["values"], json!([0, 2, 0, 0]));
        // The row from before the day is outside both.
        assert_eq!(day, [6, 3, 2]);
    }
}
