//! The worker against a real HTTP server on 127.0.0.1: delivery, retries, splitting, stopping,
//! bounded memory, deadlines, the decision long poll and fork hooks.

mod common;

use std::time::{Duration, Instant};

use common::{Reply, TestServer};
use serde_json::json;
use vigil_core::{Client, Config, Identity, RequestContext};

fn client(server: &TestServer, extra: &[(&str, &str)]) -> Client {
    let mut config = Config::default();
    config.set("url", &server.url()).unwrap();
    config.set("token", "test-token").unwrap();
    config.set("flush_interval_ms", "50").unwrap();
    config.set("request_timeout_ms", "1000").unwrap();
    config.set("decisions_wait_s", "5").unwrap();
    for (k, v) in extra {
        config.set(k, v).unwrap();
    }
    Client::new(config).unwrap()
}

fn user(name: &str) -> Identity {
    Identity::new(&[("username", name)], None).unwrap()
}

fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    cond()
}

#[test]
fn delivers_gzipped_batches_with_idempotency_keys() {
    let server = TestServer::start();
    let c = client(&server, &[]);
    let ctx = RequestContext::from_parts(
        Some("203.0.113.9"),
        Some("ua"),
        Some("POST"),
        Some("/login"),
    )
    .unwrap();
    assert!(c.track_signup(user("alice"), Some(ctx.clone())));
    assert!(c.track_auth(false, user("alice"), Some(true), Some(ctx.clone())));
    assert!(c.track_auth(true, user("alice"), None, Some(ctx)));
    assert!(c.flush(Duration::from_secs(5)));
    let got = server.received();
    assert_eq!(got.len(), 1, "{got:?}");
    let batch = &got[0];
    assert!(batch.gzipped);
    assert_eq!(batch.authorization, "Bearer test-token");
    assert_eq!(
        uuid::Uuid::parse_str(&batch.idempotency_key)
            .unwrap()
            .get_version_num(),
        7
    );
    let types: Vec<&str> = batch
        .events()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["signup", "auth.failure", "auth.success"]);
    assert_eq!(batch.events()[1]["exists"], true);
    assert_eq!(batch.events()[0]["request"]["ip"], "203.0.113.9");
    assert_eq!(batch.body["sdk"]["lang"], "rust");
    assert_eq!(c.stats().sent, 3);
}

#[test]
fn sends_plain_json_when_gzip_is_off() {
    let server = TestServer::start();
    let c = client(&server, &[("gzip", "false")]);
    c.track_signup(user("bob"), None);
    assert!(c.flush(Duration::from_secs(5)));
    assert!(!server.received()[0].gzipped);
    assert_eq!(server.accepted_events().len(), 1);
}

#[test]
fn retries_503_honouring_retry_after_with_the_same_key() {
    let server = TestServer::start();
    server.script([Reply::StatusRetryAfter(503, 1)]);
    let c = client(&server, &[]);
    let start = Instant::now();
    c.track_signup(user("carol"), None);
    assert!(c.flush(Duration::from_secs(10)));
    let got = server.received();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].answered, "503");
    assert_eq!(got[0].idempotency_key, got[1].idempotency_key);
    assert!(
        start.elapsed() >= Duration::from_millis(950),
        "{:?}",
        start.elapsed()
    );
    let s = c.stats();
    assert_eq!((s.retried, s.sent), (1, 1));
}

#[test]
fn retries_after_a_dropped_connection_and_a_timeout() {
    let server = TestServer::start();
    server.script([
        Reply::Drop,
        Reply::Hang(Duration::from_millis(1500)),
        Reply::Status(429),
    ]);
    let c = client(&server, &[]);
    c.track_signup(user("dave"), None);
    assert!(c.flush(Duration::from_secs(20)));
    let got = server.received();
    // The hung request is cancelled by the client before the server records it.
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(got
        .iter()
        .all(|r| r.idempotency_key == got[0].idempotency_key));
    assert_eq!(c.stats().retried, 3);
    assert_eq!(server.accepted_events().len(), 1);
}

#[test]
fn splits_on_413() {
    let server = TestServer::start();
    server.script([Reply::Status(413)]);
    // Only the explicit flush sends: a 50 ms timer firing mid-loop on a busy machine would
    // split the ten events before the 413 does.
    let c = client(&server, &[("flush_interval_ms", "60000")]);
    for i in 0..10 {
        c.track_signup(user(&format!("u{i}")), None);
    }
    assert!(c.flush(Duration::from_secs(5)));
    let got = server.received();
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(got[0].events().len(), 10);
    assert_eq!((got[1].events().len(), got[2].events().len()), (5, 5));
    assert_ne!(got[1].idempotency_key, got[2].idempotency_key);
    assert_eq!(server.accepted_events().len(), 10);
}

#[test]
fn stops_sending_on_401() {
    let server = TestServer::start();
    server.script([Reply::Status(401)]);
    let c = client(&server, &[("decisions", "false")]);
    c.track_signup(user("eve"), None);
    assert!(c.flush(Duration::from_secs(5)));
    c.track_signup(user("eve2"), None);
    assert!(c.flush(Duration::from_secs(5)));
    assert_eq!(server.received().len(), 1);
    let s = c.stats();
    assert_eq!((s.failed_batches, s.failed_events, s.sent), (2, 2, 0));
    assert!(s.last_error.unwrap().contains("401"));
}

#[test]
fn drops_and_counts_400_without_retrying() {
    let server = TestServer::start();
    server.script([Reply::Status(400)]);
    let c = client(&server, &[]);
    c.track_signup(user("frank"), None);
    assert!(c.flush(Duration::from_secs(5)));
    c.track_signup(user("frank2"), None);
    assert!(c.flush(Duration::from_secs(5)));
    assert_eq!(server.received().len(), 2);
    assert_eq!(c.stats().failed_batches, 1);
    assert_eq!(server.accepted_events().len(), 1);
}

#[test]
fn a_full_queue_drops_new_events_and_counts_them() {
    let server = TestServer::start();
    server.set_default(Reply::Status(503));
    let c = client(
        &server,
        &[("queue_capacity", "5"), ("batch_max_events", "1")],
    );
    let accepted = (0..20)
        .filter(|i| c.track_signup(user(&format!("q{i}")), None))
        .count();
    let s = c.stats();
    assert!(accepted <= 6, "accepted {accepted}");
    assert_eq!(s.enqueued + s.dropped, 20);
    assert!(s.dropped >= 14);
}

#[test]
fn flush_and_shutdown_respect_their_deadlines() {
    let server = TestServer::start();
    server.set_default(Reply::Hang(Duration::from_secs(30)));
    let c = client(&server, &[("request_timeout_ms", "60000")]);
    c.track_signup(user("grace"), None);
    let t = Instant::now();
    assert!(!c.flush(Duration::from_millis(300)));
    assert!(
        t.elapsed() < Duration::from_millis(800),
        "{:?}",
        t.elapsed()
    );
    let t = Instant::now();
    assert!(!c.shutdown(Duration::from_millis(500)));
    assert!(
        t.elapsed() < Duration::from_millis(1500),
        "{:?}",
        t.elapsed()
    );
    assert!(!c.track_signup(user("late"), None));
    assert!(c.stats().dropped >= 1);
}

#[test]
fn shutdown_delivers_what_is_queued() {
    let server = TestServer::start();
    let c = client(&server, &[("flush_interval_ms", "60000")]);
    for i in 0..50 {
        c.track_auth(i % 2 == 0, user(&format!("s{i}")), None, None);
    }
    assert!(c.shutdown(Duration::from_secs(5)));
    assert_eq!(server.accepted_events().len(), 50);
}

#[test]
fn long_poll_picks_up_a_new_ban_in_under_a_second() {
    let server = TestServer::start();
    let c = client(&server, &[]);
    let victim = user("mallory");
    assert!(c.identify(victim.clone(), None).is_none());
    // Let the first poll settle into its long wait before the ban is made.
    assert!(wait_until(Duration::from_secs(5), || c
        .stats()
        .decision_polls
        >= 1));
    std::thread::sleep(Duration::from_millis(200));
    let t = Instant::now();
    server.add_decision(json!({
        "id": "d_1", "scope": "user", "value": victim.key().to_string(),
        "action": "block", "expires_at": null, "reason": "manual"
    }));
    assert!(wait_until(Duration::from_secs(2), || c
        .user_blocked(&victim.key(), None)));
    let took = t.elapsed();
    assert!(took < Duration::from_secs(1), "ban took {took:?}");
    let d = c.identify(victim, None).expect("blocked");
    assert_eq!(d.reason, "manual");
}

#[test]
fn ip_bans_apply_to_unidentified_requests_and_expire() {
    let server = TestServer::start();
    let expires = vigil_core::wire::format_ts(vigil_core::event::now_ms() + 1500);
    server.add_decision(json!({
        "id": "d_ip", "scope": "ip", "value": "198.51.100.4",
        "action": "block", "expires_at": expires, "reason": "stuffing"
    }));
    let c = client(&server, &[]);
    let ip = "198.51.100.4".parse().unwrap();
    assert!(wait_until(Duration::from_secs(3), || c.ip_blocked(&ip)));
    assert!(c.check(None, Some(&ip), None).is_some());
    assert!(wait_until(Duration::from_secs(3), || !c.ip_blocked(&ip)));
}

#[test]
fn an_unidentified_request_falls_back_to_the_last_user_of_its_ip() {
    let server = TestServer::start();
    let c = client(&server, &[]);
    let victim = user("oscar");
    server.add_decision(json!({
        "id": "d_u", "scope": "user", "value": victim.key().to_string(),
        "action": "block", "expires_at": null, "reason": "ato"
    }));
    let ip = "192.0.2.44".parse().unwrap();
    let ctx = RequestContext::from_parts(Some("192.0.2.44"), None, None, None).unwrap();
    c.track_auth(true, victim.clone(), None, Some(ctx));
    assert!(wait_until(Duration::from_secs(3), || c
        .check(None, Some(&ip), None)
        .is_some()));
    let other: std::net::IpAddr = "192.0.2.45".parse().unwrap();
    assert!(c.check(None, Some(&other), None).is_none());
}

#[test]
fn identify_seen_is_sent_once_per_user_ip_and_minute() {
    let server = TestServer::start();
    let c = client(&server, &[]);
    let ctx = RequestContext::from_parts(Some("192.0.2.1"), None, None, None).unwrap();
    for _ in 0..5 {
        c.identify(user("pat"), Some(ctx.clone()));
    }
    assert!(c.flush(Duration::from_secs(5)));
    let seen: Vec<_> = server
        .accepted_events()
        .into_iter()
        .filter(|e| e["type"] == "identify.seen")
        .collect();
    assert_eq!(seen.len(), 1);
}

#[test]
fn the_last_snapshot_stays_in_force_when_the_server_goes_away() {
    let server = TestServer::start();
    server.add_decision(json!({
        "id": "d_keep", "scope": "cidr", "value": "10.9.0.0/16",
        "action": "block", "expires_at": null, "reason": "listed"
    }));
    let c = client(&server, &[]);
    let ip = "10.9.8.7".parse().unwrap();
    assert!(wait_until(Duration::from_secs(3), || c.ip_blocked(&ip)));
    drop(server);
    std::thread::sleep(Duration::from_millis(300));
    assert!(c.ip_blocked(&ip));
}

#[test]
fn fork_hooks_keep_parent_and_child_apart() {
    let server = TestServer::start();
    let c = client(
        &server,
        &[("flush_interval_ms", "60000"), ("decisions", "false")],
    );
    c.track_signup(user("before-fork"), None);
    c.before_fork();
    // SAFETY: the child only runs the client's own code and then `_exit`s.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0);
    if pid == 0 {
        c.after_fork_child();
        c.track_signup(user("in-child"), None);
        let ok = c.flush(Duration::from_secs(5));
        let status = if ok && c.stats().sent == 1 { 0 } else { 1 };
        unsafe { libc::_exit(status) };
    }
    c.after_fork_parent();
    c.track_signup(user("in-parent"), None);
    assert!(c.flush(Duration::from_secs(5)));
    let mut status = 0;
    unsafe { libc::waitpid(pid, &mut status, 0) };
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "child failed: {status}"
    );
    let names: Vec<String> = server
        .accepted_events()
        .iter()
        .map(|e| e["user"]["ids"]["username"].as_str().unwrap().to_owned())
        .collect();
    let count = |n: &str| names.iter().filter(|x| *x == n).count();
    assert_eq!(
        (count("before-fork"), count("in-child"), count("in-parent")),
        (1, 1, 1),
        "{names:?}"
    );
}
