//! Every dashboard page timed one request at a time, signed in as a browser is.

use std::time::Instant;

use crate::error::{failed, Error, Result};
use crate::stats::percentile;

/// Signs in through the sign-in form, as a browser does; returns the session cookie.
async fn sign_in(client: &reqwest::Client, url: &str, admin_token: &str) -> Result<String> {
    let resp = client.get(format!("{url}/login")).send().await?;
    let login_cookie = cookie_pair(&resp, "vigil_login")?;
    let body = resp.text().await?;
    let csrf = body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .ok_or_else(|| failed("no CSRF token on the sign-in page"))?;
    let resp = client
        .post(format!("{url}/login"))
        .header("cookie", login_cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf={csrf}&token={admin_token}"))
        .send()
        .await?;
    cookie_pair(&resp, "vigil_session")
}

/// `name=value` of a cookie the response sets.
fn cookie_pair(resp: &reqwest::Response, name: &str) -> Result<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
        .ok_or_else(|| failed(format!("no {name} cookie (status {})", resp.status())))
}

pub(super) async fn run(
    url: &str,
    admin_token: &str,
    app: i64,
    iterations: usize,
    max_p95_ms: Option<f64>,
) -> Result<()> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let session = sign_in(&client, url, admin_token).await?;
    let first_user = |sort: &'static str| {
        let client = client.clone();
        async move {
            let v: serde_json::Value = client
                .get(format!("{url}/api/users?app={app}&sort={sort}&limit=1"))
                .bearer_auth(admin_token)
                .send()
                .await?
                .json()
                .await?;
            v[0]["key"]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| failed("no users: seed first"))
        }
    };
    let risky_key = first_user("risk").await?;
    let some_key = first_user("last_seen").await?;
    let get = |path: String| {
        let (client, session) = (client.clone(), session.clone());
        let full = format!("{url}{path}");
        async move {
            let t0 = Instant::now();
            let resp = client.get(&full).header("cookie", session).send().await?;
            let status = resp.status();
            let body = resp.text().await?;
            if status != 200 {
                return Err(failed(format!("{full}: HTTP {status}")));
            }
            Ok::<_, Error>((t0.elapsed().as_secs_f64() * 1000.0, body))
        }
    };
    // The second page of users, by its real link.
    let first = get(format!("/users?app={app}")).await?.1;
    let next = first
        .split("rel=\"next\"")
        .next()
        .and_then(|s| s.rsplit("href=\"").next())
        .map(|s| s.split('"').next().unwrap_or("").replace("&amp;", "&"))
        .filter(|s| s.contains("after="))
        .ok_or_else(|| failed("no next page on /users"))?;
    let list = [
        ("overview", format!("/?app={app}")),
        ("overview 24 h", format!("/?app={app}&hours=24")),
        ("users by risk", format!("/users?app={app}")),
        (
            "users by last seen",
            format!("/users?app={app}&sort=last_seen"),
        ),
        ("users next page", next),
        (
            "users search e-mail",
            format!("/users?app={app}&q=user4242%40example.com"),
        ),
        ("users search prefix", format!("/users?app={app}&q=user1")),
        ("user (riskiest)", format!("/users/{risky_key}?app={app}")),
        ("user (last seen)", format!("/users/{some_key}?app={app}")),
        ("incidents open", format!("/incidents?app={app}")),
        (
            "incidents resolved",
            format!("/incidents?app={app}&state=resolved"),
        ),
        ("decisions", format!("/decisions?app={app}")),
        ("playbooks", format!("/playbooks?app={app}")),
        ("apps", format!("/apps?app={app}")),
    ];
    println!(
        "{:<22} {:>8} {:>8} {:>8}   ({iterations} requests each, one at a time)",
        "page", "p50 ms", "p95 ms", "max ms"
    );
    let mut worst: f64 = 0.0;
    for (name, path) in &list {
        for _ in 0..3 {
            get(path.clone()).await?;
        }
        let mut times = Vec::with_capacity(iterations);
        for _ in 0..iterations {
            times.push(get(path.clone()).await?.0);
        }
        times.sort_by(f64::total_cmp);
        let p95 = percentile(&times, 0.95);
        worst = worst.max(p95);
        println!(
            "{name:<22} {:>8.1} {:>8.1} {:>8.1}",
            percentile(&times, 0.5),
            p95,
            times.last().copied().unwrap_or(0.0)
        );
    }
    match max_p95_ms {
        Some(max) if worst > max => Err(failed(format!(
            "slowest p95 {worst:.1} ms is above {max} ms"
        ))),
        _ => Ok(()),
    }
}
