//! Memory for one million distinct users (goal: at most 300 MB), and a quick single-core
//! throughput figure. Run with `cargo run --release -p vigil-engine --example memory`.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Instant;

use vigil_engine::{Engine, EngineConfig, Event};
use vigil_protocol::EventKind;

/// Resident set size in bytes, from /proc/self/statm (Linux).
fn rss() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

fn mb(b: u64) -> f64 {
    b as f64 / (1024.0 * 1024.0)
}

fn main() {
    const USERS: u64 = 1_000_000;
    const IPS: u32 = 250_000;
    let before = rss().unwrap_or(0);
    let mut engine = Engine::new(EngineConfig::default());
    let mut out = Vec::new();
    let t0 = 1_700_000_000_000i64;
    let started = Instant::now();
    for i in 0..USERS {
        // A key spread like a SHA-256 prefix.
        let user = u128::from(i.wrapping_mul(0x9e37_79b9_7f4a_7c15)) << 64 | u128::from(i);
        let ip = IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + (i as u32 % IPS)));
        let ts = t0 + i as i64;
        // One user in twenty mistypes their password first, which allocates failure state.
        if i % 20 == 0 {
            let fail = Event::new(ts, EventKind::AuthFailure { exists: Some(true) })
                .user(user)
                .ip(ip);
            engine.process(&fail, &mut out);
        }
        engine.process(
            &Event::new(ts, EventKind::AuthSuccess).user(user).ip(ip),
            &mut out,
        );
        out.clear();
    }
    let elapsed = started.elapsed();
    let after = rss().unwrap_or(0);
    let stats = engine.stats();
    let used = after.saturating_sub(before);
    println!(
        "users tracked: {}, IPs tracked: {}, events: {}",
        stats.users, stats.ips, stats.events
    );
    println!(
        "rss before: {:.1} MB, after: {:.1} MB, engine: {:.1} MB ({:.0} bytes/user incl. IPs)",
        mb(before),
        mb(after),
        mb(used),
        used as f64 / USERS as f64
    );
    println!(
        "ratio: {:.2} of the 300 MB goal for 1M users",
        mb(used) / 300.0
    );
    println!(
        "insert throughput: {:.2} M events/s (cold keys, every event a new user)",
        stats.events as f64 / elapsed.as_secs_f64() / 1e6
    );
}
