//! Every detector on both sides of its threshold, and its window.

mod common;

use common::*;
use vigil_engine::{Engine, EngineConfig, Event, NetworkLists, SignalKind};
use vigil_protocol::EventKind;

const VICTIM: u128 = 0xaaaa;
const ATTACKER: &str = "203.0.113.9";

fn count(effects: &[vigil_engine::Effect], kind: &SignalKind) -> usize {
    signals(effects).iter().filter(|s| &s.kind == kind).count()
}

#[test]
fn brute_force_fires_at_the_tenth_failure_not_the_ninth() {
    let mut e = bare_engine();
    let nine: Vec<_> = (0..9)
        .map(|i| fail(T0 + i * SEC, VICTIM, ATTACKER))
        .collect();
    assert_eq!(count(&run(&mut e, &nine), &SignalKind::BruteForce), 0);
    let out = run(&mut e, &[fail(T0 + 9 * SEC, VICTIM, ATTACKER)]);
    let s = signals(&out);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].kind, SignalKind::BruteForce);
    assert_eq!(s[0].user, Some(VICTIM));
    assert_eq!(s[0].ip, Some(ip(ATTACKER)));
    // Fires once per window, not on every further failure.
    let more: Vec<_> = (10..30)
        .map(|i| fail(T0 + i * SEC, VICTIM, ATTACKER))
        .collect();
    assert_eq!(count(&run(&mut e, &more), &SignalKind::BruteForce), 0);
}

#[test]
fn brute_force_window_expires() {
    let mut e = bare_engine();
    // Ten failures 67 s apart span more than 10 minutes: never ten within the window.
    let slow: Vec<_> = (0..10)
        .map(|i| fail(T0 + i * 67 * SEC, VICTIM, ATTACKER))
        .collect();
    assert_eq!(count(&run(&mut e, &slow), &SignalKind::BruteForce), 0);
    // Exactly 10 minutes between first and tenth is outside; just under is inside.
    let mut e = bare_engine();
    let mut edge: Vec<_> = (0..9)
        .map(|i| fail(T0 + i * SEC, VICTIM, ATTACKER))
        .collect();
    edge.push(fail(T0 + 10 * MIN, VICTIM, ATTACKER));
    assert_eq!(count(&run(&mut e, &edge), &SignalKind::BruteForce), 0);
    let mut e = bare_engine();
    let mut edge: Vec<_> = (0..9)
        .map(|i| fail(T0 + i * SEC, VICTIM, ATTACKER))
        .collect();
    edge.push(fail(T0 + 10 * MIN - 1, VICTIM, ATTACKER));
    assert_eq!(count(&run(&mut e, &edge), &SignalKind::BruteForce), 1);
}

#[test]
fn brute_force_never_names_the_victims_own_ip() {
    let mut e = bare_engine();
    let mut evs: Vec<_> = (0..9)
        .map(|i| fail(T0 + i * SEC, VICTIM, ATTACKER))
        .collect();
    // The victim mistypes; that failure is the tenth, but the attacker made the others.
    evs.push(fail(T0 + 10 * SEC, VICTIM, "192.0.2.1"));
    let out = run(&mut e, &evs);
    assert_eq!(count(&out, &SignalKind::BruteForce), 0);
    let out = run(&mut e, &[fail(T0 + 11 * SEC, VICTIM, ATTACKER)]);
    let s = signals(&out);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].ip, Some(ip(ATTACKER)));
}

#[test]
fn credential_stuffing_needs_twenty_failures_over_five_users() {
    let mut e = bare_engine();
    let evs: Vec<_> = (0..19)
        .map(|i| fail(T0 + i * SEC, 100 + (i % 5) as u128, ATTACKER))
        .collect();
    assert_eq!(
        count(&run(&mut e, &evs), &SignalKind::CredentialStuffing),
        0
    );
    let out = run(&mut e, &[fail(T0 + 19 * SEC, 104, ATTACKER)]);
    let s = signals(&out);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].kind, SignalKind::CredentialStuffing);
    assert_eq!((s[0].user, s[0].ip), (None, Some(ip(ATTACKER))));

    // Twenty failures over only four users is not stuffing (nor brute force: 5 per user).
    let mut e = bare_engine();
    let evs: Vec<_> = (0..20)
        .map(|i| fail(T0 + i * SEC, 100 + (i % 4) as u128, ATTACKER))
        .collect();
    assert!(signals(&run(&mut e, &evs)).is_empty());

    // Twenty failures over five users spread past the window is not stuffing either.
    let mut e = bare_engine();
    let evs: Vec<_> = (0..20)
        .map(|i| fail(T0 + i * 32 * SEC, 100 + (i % 5) as u128, ATTACKER))
        .collect();
    assert!(signals(&run(&mut e, &evs)).is_empty());
}

#[test]
fn distributed_brute_force_needs_forty_failures_from_five_ips() {
    // 80 s apart: at most 8 in any 10 minutes, so brute force stays quiet.
    let ev = |i: i64, ips: i64| {
        fail(
            T0 + i * 80 * SEC,
            VICTIM,
            &format!("198.51.100.{}", i % ips + 1),
        )
    };
    let mut e = bare_engine();
    let evs: Vec<_> = (0..39).map(|i| ev(i, 5)).collect();
    assert!(signals(&run(&mut e, &evs)).is_empty());
    let out = run(&mut e, &[ev(39, 5)]);
    let s = signals(&out);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].kind, SignalKind::DistributedBruteForce);
    assert_eq!((s[0].user, s[0].ip), (Some(VICTIM), None));

    let mut e = bare_engine();
    let evs: Vec<_> = (0..40).map(|i| ev(i, 4)).collect();
    assert!(signals(&run(&mut e, &evs)).is_empty());
}

#[test]
fn enumeration_needs_ten_unknown_accounts() {
    let mut e = bare_engine();
    let evs: Vec<_> = (0..9)
        .map(|i| fail_unknown(T0 + i * SEC, 500 + i as u128, ATTACKER))
        .collect();
    assert!(signals(&run(&mut e, &evs)).is_empty());
    let out = run(&mut e, &[fail_unknown(T0 + 9 * SEC, 509, ATTACKER)]);
    assert_eq!(signal_names(&out), vec!["account_enumeration"]);

    let mut e = bare_engine();
    let evs: Vec<_> = (0..10)
        .map(|i| fail_unknown(T0 + i * 67 * SEC, 500 + i as u128, ATTACKER))
        .collect();
    assert!(signals(&run(&mut e, &evs)).is_empty());
    // Existing accounts do not count towards enumeration.
    let mut e = bare_engine();
    let evs: Vec<_> = (0..10)
        .map(|i| fail(T0 + i * SEC, 500 + i as u128, ATTACKER))
        .collect();
    assert_eq!(
        count(&run(&mut e, &evs), &SignalKind::AccountEnumeration),
        0
    );
}

#[test]
fn takeover_after_three_failures_from_the_same_ip() {
    let mut e = bare_engine();
    let evs = [
        fail(T0, VICTIM, ATTACKER),
        fail(T0 + SEC, VICTIM, ATTACKER),
        success(T0 + 2 * SEC, VICTIM, ATTACKER),
    ];
    assert!(signals(&run(&mut e, &evs)).is_empty());

    let mut e = bare_engine();
    let evs = [
        fail(T0, VICTIM, ATTACKER),
        fail(T0 + SEC, VICTIM, ATTACKER),
        fail(T0 + 2 * SEC, VICTIM, ATTACKER),
        success(T0 + 3 * SEC, VICTIM, ATTACKER),
    ];
    let out = run(&mut e, &evs);
    let s = signals(&out);
    assert_eq!(signal_names(&out), vec!["likely_takeover"]);
    assert_eq!((s[0].user, s[0].ip), (Some(VICTIM), Some(ip(ATTACKER))));

    // Failures from another IP, or older than an hour, do not count.
    let mut e = bare_engine();
    let evs = [
        fail(T0, VICTIM, ATTACKER),
        fail(T0 + SEC, VICTIM, ATTACKER),
        fail(T0 + 2 * SEC, VICTIM, ATTACKER),
        success(T0 + 3 * SEC, VICTIM, "192.0.2.1"),
        success(T0 + HOUR + 3 * SEC, VICTIM, ATTACKER),
    ];
    assert!(signals(&run(&mut e, &evs)).is_empty());
}

#[test]
fn takeover_ignores_an_owner_who_typos_twice_each_time() {
    let mut e = bare_engine();
    let home = "192.0.2.7";
    let evs = [
        fail(T0, VICTIM, home),
        fail(T0 + SEC, VICTIM, home),
        success(T0 + 2 * SEC, VICTIM, home),
        fail(T0 + 10 * MIN, VICTIM, home),
        fail(T0 + 10 * MIN + SEC, VICTIM, home),
        success(T0 + 10 * MIN + 2 * SEC, VICTIM, home),
    ];
    assert!(signals(&run(&mut e, &evs)).is_empty());
}

#[test]
fn takeover_from_a_flagged_ip_within_the_hour() {
    let stuff = |e: &mut Engine| {
        let evs: Vec<_> = (0..20)
            .map(|i| fail(T0 + i * SEC, 100 + i as u128, ATTACKER))
            .collect();
        assert_eq!(signal_names(&run(e, &evs)), vec!["credential_stuffing"]);
    };
    let mut e = bare_engine();
    stuff(&mut e);
    let out = run(&mut e, &[success(T0 + 30 * MIN, VICTIM, ATTACKER)]);
    assert_eq!(signal_names(&out), vec!["likely_takeover"]);

    let mut e = bare_engine();
    stuff(&mut e);
    let out = run(&mut e, &[success(T0 + 19 * SEC + HOUR, VICTIM, ATTACKER)]);
    assert!(signals(&out).is_empty());
}

#[test]
fn signup_burst_needs_ten_signups_from_one_ip() {
    let mut e = bare_engine();
    let evs: Vec<_> = (0..9)
        .map(|i| signup(T0 + i * MIN, 700 + i as u128, ATTACKER, "gmail.com"))
        .collect();
    assert!(signals(&run(&mut e, &evs)).is_empty());
    let out = run(&mut e, &[signup(T0 + 9 * MIN, 709, ATTACKER, "gmail.com")]);
    assert_eq!(signal_names(&out), vec!["signup_burst"]);

    let mut e = bare_engine();
    let evs: Vec<_> = (0..10)
        .map(|i| signup(T0 + i * 7 * MIN, 700 + i as u128, ATTACKER, "gmail.com"))
        .collect();
    assert!(signals(&run(&mut e, &evs)).is_empty());
}

#[test]
fn disposable_domains_at_signup() {
    let mut e = bare_engine();
    for (domain, hit) in [
        ("mailinator.com", true),
        ("inbox.yopmail.com", true),
        ("gmail.com", false),
        ("example.org", false),
    ] {
        let out = run(&mut e, &[signup(T0, 1, "192.0.2.1", domain)]);
        let expected: Vec<String> = if hit {
            vec!["disposable_email".into()]
        } else {
            vec![]
        };
        assert_eq!(signal_names(&out), expected, "{domain}");
    }
    // Only signups are checked.
    let mut ev = success(T0, 1, "192.0.2.1");
    ev.email_domain = Some("mailinator.com".into());
    assert!(signals(&run(&mut e, &[ev])).is_empty());
    // An extra list adds domains; an empty list removes the built-in ones.
    let mut lists = NetworkLists::empty();
    lists.add_domains("# ours\nthrowaway.test\n");
    e.reload_lists(lists);
    assert!(signals(&run(
        &mut e,
        &[signup(T0, 2, "192.0.2.1", "mailinator.com")]
    ))
    .is_empty());
    let out = run(&mut e, &[signup(T0, 3, "192.0.2.1", "throwaway.test")]);
    assert_eq!(signal_names(&out), vec!["disposable_email"]);
}

#[test]
fn listed_networks_from_a_reloaded_list() {
    let mut e = bare_engine();
    let tor = "198.51.100.77";
    assert!(signals(&run(&mut e, &[success(T0, 1, tor)])).is_empty());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tor.txt");
    std::fs::write(&path, "# exits\n198.51.100.77\n2001:db8:1::/48\n").unwrap();
    let mut lists = NetworkLists::builtin();
    assert_eq!(lists.load_network_file(&path).unwrap(), 2);
    e.reload_lists(lists);
    let out = run(&mut e, &[success(T0 + SEC, 1, tor)]);
    assert_eq!(signal_names(&out), vec!["listed_network"]);
    // Once per user per hour; another user still counts.
    assert!(signals(&run(&mut e, &[success(T0 + 2 * SEC, 1, tor)])).is_empty());
    let out = run(
        &mut e,
        &[signup(T0 + 3 * SEC, 2, "2001:db8:1::5", "gmail.com")],
    );
    assert_eq!(signal_names(&out), vec!["listed_network"]);
    let out = run(&mut e, &[success(T0 + HOUR + SEC, 1, tor)]);
    assert_eq!(signal_names(&out), vec!["listed_network"]);
    assert!(signals(&run(&mut e, &[success(T0, 3, "198.51.100.78")])).is_empty());
}

#[test]
fn custom_events_use_configured_weights() {
    let mut cfg = small_config();
    cfg.custom.insert("checkout_fraud".into(), 25.0);
    cfg.playbooks.clear();
    cfg.default_playbooks = false;
    let mut e = Engine::new(cfg);
    let out = run(&mut e, &[custom(T0, 1, "192.0.2.1", "checkout_fraud")]);
    let s = signals(&out);
    assert_eq!(signal_names(&out), vec!["custom:checkout_fraud"]);
    assert_eq!(s[0].points, 25.0);
    assert!((e.user_risk(1, T0) - 25.0).abs() < 1e-9);
    assert!(signals(&run(&mut e, &[custom(T0, 1, "192.0.2.1", "page_view")])).is_empty());
}

#[test]
fn disabled_detectors_stay_quiet_and_thresholds_are_configurable() {
    let mut cfg: EngineConfig = small_config();
    cfg.brute_force.failures = 3;
    cfg.account_enumeration.enabled = false;
    let mut e = Engine::new(cfg);
    let evs: Vec<_> = (0..3)
        .map(|i| fail(T0 + i * SEC, VICTIM, ATTACKER))
        .collect();
    assert_eq!(count(&run(&mut e, &evs), &SignalKind::BruteForce), 1);
    let evs: Vec<_> = (0..15)
        .map(|i| fail_unknown(T0 + i * SEC, 900 + i as u128, "192.0.2.200"))
        .collect();
    assert_eq!(
        count(&run(&mut e, &evs), &SignalKind::AccountEnumeration),
        0
    );
}

#[test]
fn events_without_user_or_ip_are_harmless() {
    let mut e = bare_engine();
    let mut out = Vec::new();
    for i in 0..50 {
        e.process(
            &Event::new(T0 + i, EventKind::AuthFailure { exists: None }),
            &mut out,
        );
        e.process(&Event::new(T0 + i, EventKind::IdentifySeen), &mut out);
    }
    assert!(out.is_empty());
}
