//! `assess`, the device exemption through `identify` and `check`, and `track_challenge`.

mod common;

use std::time::Duration;

use common::TestServer;
use serde_json::{json, Value};
use vigil_core::wire::DecisionFeed;
use vigil_core::{ChallengeResult, Client, Config, DeviceId, Identity, RequestContext, Verdict};

const LAPTOP: DeviceId = DeviceId(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);

fn user(name: &str) -> Identity {
    Identity::new(&[("username", name)], None).unwrap()
}

fn request(ip: &str, device: Option<DeviceId>) -> RequestContext {
    let mut ctx = RequestContext::from_parts(Some(ip), None, None, None).unwrap();
    ctx.device = device;
    ctx
}

/// A local-mode client holding exactly these decisions (wire form).
fn holding(upserts: Value) -> Client {
    let mut config = Config::default();
    config.set("flush_interval_ms", "20").unwrap();
    let client = Client::new(config).unwrap();
    let feed: DecisionFeed =
        serde_json::from_value(json!({"cursor": 1, "reset": true, "upserts": upserts})).unwrap();
    assert_eq!(client.decisions().apply_feed(&feed), 0);
    client
}

#[test]
fn deny_beats_challenge_and_both_name_their_decisions() {
    let alice = user("alice").key();
    let c = holding(json!([
        {"id": "c_user", "scope": "user", "value": alice.to_string(), "action": "challenge", "reason": "new_country"},
        {"id": "b_ip", "scope": "ip", "value": "203.0.113.5", "action": "block", "reason": "stuffing"},
        {"id": "c_net", "scope": "cidr", "value": "198.51.100.0/24", "action": "challenge", "reason": "hosting"},
    ]));
    let a = c.assess(Some(&alice), Some(&request("192.0.2.1", None)));
    assert_eq!(a.verdict, Verdict::Challenge);
    assert_eq!(a.reasons().collect::<Vec<_>>(), ["new_country"]);
    let a = c.assess(Some(&alice), Some(&request("198.51.100.7", None)));
    assert_eq!(a.reasons().collect::<Vec<_>>(), ["new_country", "hosting"]);
    let a = c.assess(Some(&alice), Some(&request("203.0.113.5", None)));
    assert_eq!(a.verdict, Verdict::Deny);
    assert_eq!(a.decision().unwrap().id, "b_ip");
    let a = c.assess(Some(&user("bob").key()), None);
    assert_eq!((a.verdict, a.decisions.len()), (Verdict::Allow, 0));
    assert_eq!(a.verdict.as_str(), "allow");
    // The ban checks ignore challenges.
    assert!(c.check(Some(&alice), None, None).is_none());
    assert!(!c.ip_blocked(&"198.51.100.7".parse().unwrap()));
}

#[test]
fn a_known_device_passes_the_lockout_everywhere() {
    let alice = user("alice");
    let c = holding(json!([
        {"id": "lock", "scope": "user", "value": alice.key().to_string(), "action": "block",
         "reason": "playbook:lock-attacked-accounts", "except_devices": [LAPTOP.to_string()]},
    ]));
    let on_laptop = request("192.0.2.1", Some(LAPTOP));
    let elsewhere = request("192.0.2.1", Some(DeviceId(7)));
    assert_eq!(
        c.assess(Some(&alice.key()), Some(&on_laptop)).verdict,
        Verdict::Allow
    );
    assert_eq!(
        c.assess(Some(&alice.key()), Some(&elsewhere)).verdict,
        Verdict::Deny
    );
    assert!(c.identify(alice.clone(), Some(on_laptop)).is_none());
    assert!(c.identify(alice.clone(), Some(elsewhere)).is_some());
    assert!(!c.user_blocked(&alice.key(), Some(LAPTOP)));
    assert!(c.user_blocked(&alice.key(), None));
    let ip = "192.0.2.1".parse().unwrap();
    assert!(c
        .check(Some(&alice.key()), Some(&ip), Some(LAPTOP))
        .is_none());
}

#[test]
fn with_no_user_the_last_login_from_the_ip_stands_in() {
    let alice = user("alice");
    let c = holding(json!([
        {"id": "c1", "scope": "user", "value": alice.key().to_string(), "action": "challenge", "reason": "new_device"},
    ]));
    let from = request("192.0.2.8", None);
    assert_eq!(c.assess(None, Some(&from)).verdict, Verdict::Allow);
    c.track_auth(true, alice, None, Some(from.clone()));
    assert_eq!(c.assess(None, Some(&from)).verdict, Verdict::Challenge);
    assert_eq!(
        c.assess(None, Some(&request("192.0.2.9", None))).verdict,
        Verdict::Allow
    );
}

#[test]
fn expired_decisions_give_no_verdict() {
    let alice = user("alice").key();
    let past = vigil_core::wire::format_ts(vigil_core::event::now_ms() - 1);
    let c = holding(json!([
        {"id": "old", "scope": "user", "value": alice.to_string(), "action": "block", "reason": "x", "expires_at": past},
    ]));
    assert_eq!(c.assess(Some(&alice), None).verdict, Verdict::Allow);
}

#[test]
fn a_challenge_outcome_goes_on_the_wire_with_its_device() {
    let server = TestServer::start();
    let mut config = Config::default();
    config.set("url", &server.url()).unwrap();
    config.set("token", "test-token").unwrap();
    config.set("flush_interval_ms", "50").unwrap();
    config.set("decisions", "false").unwrap();
    let c = Client::new(config).unwrap();
    for result in ChallengeResult::ALL {
        assert!(c.track_challenge(
            result,
            user("alice"),
            Some(request("192.0.2.1", Some(LAPTOP)))
        ));
    }
    assert!(c.flush(Duration::from_secs(5)));
    let events = server.accepted_events();
    let results: Vec<&str> = events
        .iter()
        .map(|e| {
            assert_eq!(e["type"], "challenge");
            assert_eq!(e["request"]["device"], LAPTOP.to_string());
            assert!(e["user"]["key"].is_string());
            e["result"].as_str().unwrap()
        })
        .collect();
    assert_eq!(results, ["requested", "succeeded", "failed"]);
}
