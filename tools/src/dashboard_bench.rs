//! The dashboard's speed at size (`vigil-tools dashboard-bench`, run by
//! scripts/bench-dashboard.sh): `seed` fills a SQLite file with 100 000 users and 1 M events
//! through the store (no HTTP) and lets the real engine runner process them; `pages` signs in
//! like a browser and fetches every page many times, printing p50/p95 per page.

use std::time::{Duration, Instant};

use clap::Subcommand;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use vigil_core::event::Event;
use vigil_core::wire::encode_batch;
use vigil_core::Identity;

use vigil_server::config::Config;
use vigil_server::store::Batch;
use vigil_server::{auth, ingest, state, store};

use crate::error::{failed, Error, Result};
use crate::events::{login, sdk};
use crate::stats::percentile;

#[derive(Subcommand, Debug)]
pub enum Mode {
    /// Creates an app and stores users' events (logins, failures, attacks) spread over the
    /// last 24 hours, then runs the engine over them until every effect is stored.
    Seed {
        #[arg(long)]
        db: String,
        #[arg(long)]
        admin_token: String,
        #[arg(long, default_value_t = 100_000)]
        users: usize,
        #[arg(long, default_value_t = 1_000_000)]
        events: usize,
    },
    /// Signs in and fetches each dashboard page `iterations` times, one request at a time.
    Pages {
        #[arg(long, default_value = "http://127.0.0.1:8470")]
        url: String,
        #[arg(long)]
        admin_token: String,
        #[arg(long, default_value_t = 1)]
        app: i64,
        #[arg(long, default_value_t = 50)]
        iterations: usize,
        /// Fails when a page's p95 is above this.
        #[arg(long)]
        max_p95_ms: Option<f64>,
    },
}

pub async fn run(mode: Mode) -> Result<()> {
    match mode {
        Mode::Seed {
            db,
            admin_token,
            users,
            events,
        } => seed(&db, &admin_token, users, events).await,
        Mode::Pages {
            url,
            admin_token,
            app,
            iterations,
            max_p95_ms,
        } => pages(&url, &admin_token, app, iterations, max_p95_ms).await,
    }
}

fn email(n: usize) -> String {
    format!("user{n}@example.com")
}

/// Every third user also has a username, so the users pages show several identifiers.
fn identity(n: usize) -> Identity {
    let email = email(n);
    if n % 3 == 0 {
        Identity::new(&[("email", email), ("username", format!("user{n}"))], None)
    } else {
        Identity::new(&[("email", email)], None)
    }
    .expect("valid identifiers")
}

/// One generated event: when, what, whose (index), from where, and whether the account
/// exists (failures).
struct Planned {
    ts: i64,
    failure: bool,
    user: usize,
    ip: [u8; 4],
    exists: bool,
}

/// Normal logins spread over the day (one user in twelve fails now and then), plus attacks:
/// credential stuffing bursts from 300 IPs and brute force on 500 accounts.
fn plan(users: usize, events: usize, now: i64) -> Vec<Planned> {
    let mut rng = StdRng::seed_from_u64(8);
    let day = 86_400_000i64;
    let start = now - day - 60_000;
    let mut out = Vec::with_capacity(events);
    for ip in 0..300u32 {
        let t0 = start + rng.gen_range(0..day - 600_000);
        for k in 0..40 {
            out.push(Planned {
                ts: t0 + k * 3000,
                failure: true,
                user: rng.gen_range(0..users),
                ip: [203, 0, (113 + ip / 250) as u8, (ip % 250) as u8 + 1],
                exists: rng.gen_bool(0.8),
            });
        }
    }
    for _ in 0..500 {
        let user = rng.gen_range(0..users);
        let t0 = start + rng.gen_range(0..day - 600_000);
        let ip = [198, 51, 100, rng.gen_range(1..255)];
        for k in 0..12 {
            out.push(Planned {
                ts: t0 + k * 5000,
                failure: true,
                user,
                ip,
                exists: true,
            });
        }
    }
    while out.len() < events {
        let user = rng.gen_range(0..users);
        out.push(Planned {
            ts: start + rng.gen_range(0..day),
            failure: user % 12 == 0 && rng.gen_bool(0.3),
            user,
            // Each user logs in from their own address.
            ip: [10, (user >> 16) as u8, (user >> 8) as u8, user as u8],
            exists: true,
        });
    }
    out.truncate(events);
    // The engine sees events in stored order, as an SDK's would arrive.
    out.sort_by_key(|p| p.ts);
    out
}

const AGENTS: [&str; 3] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
];

async fn seed(db: &str, admin_token: &str, users: usize, events: usize) -> Result<()> {
    let mut config = Config::default();
    config.server.sqlite_synchronous = "normal".into();
    let store = store::open(db, &config).await?;
    let token = auth::new_token("vga_");
    let app = store
        .create_app("bench", &auth::hash_token(&token), state::now_ms())
        .await?;
    let started = Instant::now();
    let identities: Vec<Identity> = (0..users).map(identity).collect();
    let sdk = sdk("vigil-dashboard-bench", "seed");
    let planned = plan(users, events, state::now_ms());
    for (i, chunk) in planned.chunks(1000).enumerate() {
        let evs: Vec<Event> = chunk
            .iter()
            .map(|p| {
                let ip = std::net::Ipv4Addr::from(p.ip).to_string();
                let failed = p.failure.then_some(p.exists);
                login(
                    p.ts,
                    failed,
                    &identities[p.user],
                    &ip,
                    AGENTS[p.user % AGENTS.len()],
                )
            })
            .collect();
        let mut json = Vec::new();
        encode_batch(&sdk, evs.iter(), &mut json);
        // The server's own validation, so stored rows are what ingest would store.
        let rows = ingest::parse_batch(&json)?;
        store
            .insert_events(
                &[Batch {
                    app: app.id,
                    events: &rows,
                }],
                state::now_ms(),
            )
            .await?;
        if i % 100 == 99 {
            eprintln!("stored {} events", (i + 1) * 1000);
        }
    }
    eprintln!(
        "stored {events} events of {users} users in {:.1} s; running the engine over them",
        started.elapsed().as_secs_f64()
    );
    let running = vigil_server::start(vigil_server::ServeOptions {
        listen: "127.0.0.1:0".parse().expect("address"),
        db: db.to_owned(),
        config,
        admin_token: Some(admin_token.to_owned()),
    })
    .await?;
    let engine_started = Instant::now();
    let mut stable = 0;
    let mut last = -1;
    // Done when the stored progress covers the last event and stops moving.
    while stable < 3 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let progress = store.progress().await?;
        let behind = !store.events_after(progress, 1).await?.is_empty();
        stable = if progress == last && !behind {
            stable + 1
        } else {
            0
        };
        last = progress;
    }
    while store.roll_up_events().await? > 0 {}
    running.shutdown().await?;
    eprintln!(
        "engine done in {:.1} s",
        engine_started.elapsed().as_secs_f64()
    );
    println!("app {} token {token}", app.id);
    Ok(())
}

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

async fn pages(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_has_the_events_asked_for_in_time_order_within_the_day() {
        let now = 1_700_000_000_000;
        let planned = plan(1000, 30_000, now);
        assert_eq!(planned.len(), 30_000);
        assert!(planned.windows(2).all(|w| w[0].ts <= w[1].ts));
        assert!(planned
            .iter()
            .all(|p| p.ts < now && p.ts >= now - 86_400_000 - 60_000));
        assert!(planned.iter().all(|p| p.user < 1000));
        // The attacks come first in the plan, so they are never cut off.
        assert!(planned.iter().any(|p| p.ip[0] == 203));
    }
}
