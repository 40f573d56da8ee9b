//! Bounded state: LRU caps hold under an endless stream, and idle keys are dropped.

mod common;

use common::*;
use vigil_engine::{Engine, Event};
use vigil_protocol::EventKind;

#[test]
fn lru_caps_hold_under_an_endless_stream_of_new_users_and_ips() {
    let mut cfg = small_config();
    cfg.limits.max_users = 1_000;
    cfg.limits.max_ips = 500;
    let mut e = Engine::new(cfg);
    let mut out = Vec::new();
    for i in 0..200_000u32 {
        let ev = Event::new(
            T0 + i64::from(i),
            EventKind::AuthFailure { exists: Some(true) },
        )
        .user(u128::from(i) << 64 | 0x77)
        .ip(std::net::IpAddr::from(i.to_be_bytes()));
        e.process(&ev, &mut out);
        out.clear();
        let s = e.stats();
        assert!(s.users <= 1_000 && s.ips <= 500, "{s:?}");
    }
    let s = e.stats();
    assert_eq!((s.users, s.ips, s.events), (1_000, 500, 200_000));
}

#[test]
fn tick_forgets_idle_keys_but_keeps_risky_ones() {
    let mut cfg = small_config();
    cfg.custom.insert("bad".into(), 50.0);
    let mut e = Engine::new(cfg);
    let mut evs: Vec<_> = (0..100u128)
        .map(|u| fail(T0, u, &format!("10.0.0.{}", u + 1)))
        .collect();
    evs.push(custom(T0 + 1, 1_000, "192.0.2.1", "bad"));
    run(&mut e, &evs);
    assert_eq!(e.stats().users, 101);
    let mut out = Vec::new();
    // Recent failures still matter to the windows: nothing is dropped.
    e.tick(T0 + 30 * MIN, &mut out);
    assert_eq!(e.stats().users, 101);
    e.tick(T0 + 2 * DAY, &mut out);
    let s = e.stats();
    assert_eq!(s.users, 1, "{s:?}");
    assert_eq!(s.ips, 1);
    assert!(out.is_empty());
    assert!((e.user_risk(1_000, T0 + 7 * DAY + 1) - 25.0).abs() < 1e-6);
}

#[test]
fn windows_are_pruned_as_time_passes() {
    // One failure per hour for a week from one IP on one user: nothing ever fires and the
    // per-key windows stay short (observable: no stale failure counts towards a burst later).
    let mut e = bare_engine();
    let mut out = Vec::new();
    for h in 0..168 {
        e.process(&fail(T0 + h * HOUR, 1, "203.0.113.1"), &mut out);
    }
    assert!(out.is_empty());
    for i in 0..9 {
        e.process(&fail(T0 + 168 * HOUR + i * SEC, 1, "203.0.113.1"), &mut out);
    }
    assert!(out.is_empty(), "old failures must not count");
    e.process(&fail(T0 + 168 * HOUR + 9 * SEC, 1, "203.0.113.1"), &mut out);
    assert_eq!(signal_names(&out), vec!["brute_force"]);
}
