//! A database the size the dashboard is measured at: users' logins over the last day and the
//! attacks among them, stored through the server's own parser and store, then processed by the
//! real engine runner.

use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use vigil_protocol::wire::encode_batch;
use vigil_protocol::Event;
use vigil_protocol::Identity;
use vigil_server::config::Config;
use vigil_server::store::Batch;
use vigil_server::{auth, ingest, state, store};

use crate::error::Result;
use crate::events::{login, sdk};

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

pub(super) async fn run(db: &str, admin_token: &str, users: usize, events: usize) -> Result<()> {
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
