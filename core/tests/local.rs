//! Local mode: no server configured, the in-process engine acts on its own.

use std::net::IpAddr;
use std::time::Duration;

use vigil_core::{ChallengeResult, Client, Config, DeviceId, Identity, RequestContext, Verdict};

/// `n` failed logins from `ip` on the existing accounts `{prefix}0` .. `{prefix}{users-1}`.
fn fail_from(client: &Client, n: usize, prefix: &str, users: usize, ip: &str) {
    for i in 0..n {
        client.track_auth(
            false,
            user(&format!("{prefix}{}", i % users)),
            Some(true),
            from_ip(ip),
        );
    }
}

fn from_ip(ip: &str) -> Option<RequestContext> {
    Some(RequestContext::from_parts(Some(ip), Some("test"), Some("POST"), Some("/login")).unwrap())
}

fn user(name: &str) -> Identity {
    Identity::new(&[("email", format!("{name}@example.com"))], None).unwrap()
}

fn local_client(toml: &str) -> Client {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vigil.toml");
    std::fs::write(&path, toml).unwrap();
    let client = Client::from_options(&[
        ("config_file", path.to_str().unwrap()),
        ("flush_interval_ms", "20"),
    ])
    .unwrap();
    assert!(client.is_local());
    client
}

#[test]
fn a_stuffing_ip_is_blocked_with_no_server() {
    let client = local_client("");
    let attacker: IpAddr = "203.0.113.66".parse().unwrap();
    fail_from(&client, 20, "victim", 7, "203.0.113.66");
    assert!(client.flush(Duration::from_secs(5)));
    assert!(client.ip_blocked(&attacker), "stats: {:?}", client.stats());
    let d = client.check(None, Some(&attacker), None).unwrap();
    assert!(d.reason.starts_with("playbook:"), "{}", d.reason);
    assert!(d.expires_at_ms.is_some());
    // The victims are not locked out: user blocking is opt-in.
    assert!(!client.user_blocked(&user("victim1").key(), None));
    assert!(!client.ip_blocked(&"203.0.113.67".parse().unwrap()));
}

#[test]
fn nineteen_failures_block_nobody() {
    let client = local_client("");
    fail_from(&client, 19, "v", 7, "198.51.100.19");
    assert!(client.flush(Duration::from_secs(5)));
    assert!(!client.ip_blocked(&"198.51.100.19".parse().unwrap()));
}

#[test]
fn a_takeover_blocks_the_user_when_opted_in() {
    let client = local_client(
        r#"
[[engine.playbooks]]
name = "block-takeover-users"
trigger = { type = "signal", name = "likely_takeover" }
actions = [{ type = "block_user", duration = "1h" }]
cooldown = "1h"
"#,
    );
    let victim = user("alice");
    for _ in 0..3 {
        client.track_auth(false, victim.clone(), Some(true), from_ip("192.0.2.99"));
    }
    client.track_auth(true, victim.clone(), None, from_ip("192.0.2.99"));
    assert!(client.flush(Duration::from_secs(5)));
    assert!(client.user_blocked(&victim.key(), None));
    // identify reports the block; an unidentified request from that IP maps to the victim.
    assert!(client.identify(victim, from_ip("10.1.1.1")).is_some());
    assert!(client
        .check(None, Some(&"192.0.2.99".parse().unwrap()), None)
        .is_some());
}

#[test]
fn a_takeover_without_the_playbook_blocks_nobody() {
    let client = local_client("");
    let victim = user("bob");
    for _ in 0..3 {
        client.track_auth(false, victim.clone(), Some(true), from_ip("192.0.2.98"));
    }
    client.track_auth(true, victim.clone(), None, from_ip("192.0.2.98"));
    assert!(client.flush(Duration::from_secs(5)));
    assert!(!client.user_blocked(&victim.key(), None));
}

#[test]
fn a_bad_engine_section_fails_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vigil.toml");
    std::fs::write(&path, "[engine.brute_force]\nfailures = \"many\"\n").unwrap();
    let err = Client::from_options(&[("config_file", path.to_str().unwrap())])
        .err()
        .unwrap();
    assert_eq!(err.code(), "config");
    let mut c = Config::default();
    c.set("flush_interval_ms", "20").unwrap();
    assert!(Client::new(c).unwrap().is_local());
}

fn on_device(ip: &str, device: u128) -> Option<RequestContext> {
    let mut ctx = from_ip(ip)?;
    ctx.device = Some(DeviceId(device));
    Some(ctx)
}

fn verdict(client: &Client, who: &Identity, ctx: &Option<RequestContext>) -> Verdict {
    client.assess(Some(&who.key()), ctx.as_ref()).verdict
}

#[test]
fn a_challenge_playbook_challenges_until_the_user_passes() {
    let client = local_client(
        r#"
[[engine.playbooks]]
name = "challenge-brute-forced"
trigger = { type = "signal", name = "brute_force" }
actions = [{ type = "challenge_user", duration = "1h" }]
"#,
    );
    let victim = user("carol");
    for i in 0..10 {
        client.track_auth(
            false,
            victim.clone(),
            Some(true),
            from_ip(&format!("192.0.2.{i}")),
        );
    }
    assert!(client.flush(Duration::from_secs(5)));
    let home = on_device("198.51.100.1", 1);
    let a = client.assess(Some(&victim.key()), home.as_ref());
    assert_eq!(a.verdict, Verdict::Challenge, "stats: {:?}", client.stats());
    assert_eq!(
        a.reasons().collect::<Vec<_>>(),
        ["playbook:challenge-brute-forced"]
    );
    assert!(
        !client.user_blocked(&victim.key(), None),
        "a challenge is no block"
    );
    client.track_challenge(ChallengeResult::Failed, victim.clone(), home.clone());
    assert!(client.flush(Duration::from_secs(5)));
    assert_eq!(verdict(&client, &victim, &home), Verdict::Challenge);
    client.track_challenge(ChallengeResult::Succeeded, victim.clone(), home.clone());
    assert!(client.flush(Duration::from_secs(5)));
    assert_eq!(verdict(&client, &victim, &home), Verdict::Allow);
}

#[test]
fn a_lockout_spares_the_owners_known_device() {
    let client = local_client(
        r#"
[[engine.playbooks]]
name = "lock-attacked-accounts"
trigger = { type = "signal", names = ["brute_force"] }
actions = [{ type = "block_user", duration = "15m" }]
"#,
    );
    let owner = user("dave");
    let laptop = on_device("198.51.100.2", 0x1a);
    client.track_auth(true, owner.clone(), None, laptop.clone());
    for i in 0..10 {
        let attacker = on_device(&format!("203.0.113.{i}"), 0xbad0 + i);
        client.track_auth(false, owner.clone(), Some(true), attacker);
    }
    assert!(client.flush(Duration::from_secs(5)));
    assert!(
        client.user_blocked(&owner.key(), None),
        "stats: {:?}",
        client.stats()
    );
    assert_eq!(verdict(&client, &owner, &laptop), Verdict::Allow);
    assert!(client.identify(owner.clone(), laptop).is_none());
    let stranger = on_device("198.51.100.2", 0x2b);
    assert_eq!(verdict(&client, &owner, &stranger), Verdict::Deny);
}

#[test]
fn a_shadow_playbook_enforces_nothing() {
    let client = local_client(
        r#"
[[engine.playbooks]]
name = "block-attacking-ips"
mode = "shadow"
trigger = { type = "signal", names = ["brute_force", "credential_stuffing", "account_enumeration"] }
actions = [{ type = "block_ip", duration = "1h" }]
"#,
    );
    fail_from(&client, 20, "victim", 7, "203.0.113.66");
    assert!(client.flush(Duration::from_secs(5)));
    assert!(!client.ip_blocked(&"203.0.113.66".parse().unwrap()));
    assert_eq!(client.stats().decisions, 0);
}

#[test]
fn a_geography_that_does_not_load_fails_at_start() {
    let missing = "/nonexistent/vigil-test-geo.mmdb";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vigil.toml");
    std::fs::write(
        &path,
        format!("[engine.geo]\ndatabases = [\"{missing}\"]\n"),
    )
    .unwrap();
    let started = Client::from_options(&[("config_file", path.to_str().unwrap())]);
    let geo = vigil_engine::GeoConfig {
        databases: vec![missing.into()],
        ..Default::default()
    };
    // The engine decides what fails to load (its placeholder geography loads anything);
    // whatever fails there fails the start, as a configuration error.
    match vigil_engine::Geo::load(&geo) {
        Ok(_) => assert!(started.is_ok()),
        Err(_) => assert_eq!(started.err().unwrap().code(), "config"),
    }
}
