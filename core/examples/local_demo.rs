//! Vigil protecting a single process with no server: benign logins, then a credential-stuffing
//! run, then a takeover. The in-process engine blocks the attacker's IP and, since this demo opts
//! in, the taken-over account. Run with `make demo` or `cargo run -p vigil-core --example local_demo`.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use vigil_core::{Client, Identity, RequestContext};

fn ctx(ip: &str) -> Option<RequestContext> {
    Some(RequestContext::from_parts(Some(ip), Some("demo"), Some("POST"), Some("/login")).unwrap())
}

fn email(name: &str) -> Identity {
    Identity::new(&[("email", format!("{name}@example.com"))], None).unwrap()
}

fn main() {
    let config = std::env::temp_dir().join("vigil-local-demo.toml");
    std::fs::write(
        &config,
        "[[engine.playbooks]]\nname = \"block-takeover-users\"\n\
         trigger = { type = \"signal\", name = \"likely_takeover\" }\n\
         actions = [{ type = \"block_user\", duration = \"1h\" }]\ncooldown = \"1h\"\n",
    )
    .unwrap();
    let client = Client::from_options(&[
        ("config_file", config.to_str().unwrap()),
        ("flush_interval_ms", "50"),
    ])
    .expect("start Vigil");
    println!(
        "Vigil {} in local mode (no server): the engine runs in this process.\n",
        vigil_core::VERSION
    );

    println!("1. 200 benign users sign up and log in, a few with typos");
    for i in 0..200 {
        let ip = format!("192.0.2.{}", i % 250);
        let user = email(&format!("user{i}"));
        client.track_signup(user.clone(), ctx(&ip));
        if i % 10 == 0 {
            client.track_auth(false, user.clone(), Some(true), ctx(&ip));
        }
        client.track_auth(true, user, None, ctx(&ip));
    }
    client.flush(Duration::from_secs(5));
    let benign_blocked = (0..250)
        .filter(|i| client.ip_blocked(&format!("192.0.2.{i}").parse().unwrap()))
        .count();
    println!("   benign IPs blocked: {benign_blocked}\n");

    println!("2. credential stuffing from 203.0.113.66 against many accounts");
    let attacker: IpAddr = "203.0.113.66".parse().unwrap();
    let start = Instant::now();
    let mut attempts = 0;
    while !client.ip_blocked(&attacker) && attempts < 200 {
        client.track_auth(
            false,
            email(&format!("user{}", attempts % 50)),
            Some(true),
            ctx("203.0.113.66"),
        );
        attempts += 1;
        if attempts % 5 == 0 {
            client.flush(Duration::from_secs(1));
        }
    }
    match client.check(None, Some(&attacker), None) {
        Some(d) => println!(
            "   blocked after {attempts} attempts in {:?} ({}), for {} min\n",
            start.elapsed(),
            d.reason,
            (d.expires_at_ms.unwrap_or(0) - vigil_core::event::now_ms()) / 60_000
        ),
        None => println!("   NOT blocked after {attempts} attempts\n"),
    }

    println!("3. account takeover: 3 failures then a success on alice from 198.51.100.9");
    let alice = email("alice");
    for _ in 0..3 {
        client.track_auth(false, alice.clone(), Some(true), ctx("198.51.100.9"));
    }
    client.track_auth(true, alice.clone(), None, ctx("198.51.100.9"));
    client.flush(Duration::from_secs(5));
    let verdict = client.identify(alice, ctx("198.51.100.9"));
    println!(
        "   alice's next request: {}\n",
        verdict.map_or("allowed".to_string(), |d| format!("blocked ({})", d.reason))
    );

    let s = client.stats();
    println!(
        "events handled: {}, dropped: {}, decisions held: {}",
        s.sent, s.dropped, s.decisions
    );
    client.shutdown(Duration::from_secs(2));
}
