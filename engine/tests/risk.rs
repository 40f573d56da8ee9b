//! Risk: points, decay, cap, history, alias.

mod common;

use common::*;
use vigil_engine::{Effect, Engine, Event, SignalKind, Subject};
use vigil_protocol::EventKind;

fn weighted(points: f64, history_len: usize) -> Engine {
    let mut cfg = small_config();
    cfg.custom.insert("bad".into(), points);
    cfg.risk.history_len = history_len;
    cfg.playbooks.clear();
    cfg.default_playbooks = false;
    Engine::new(cfg)
}

const U: u128 = 0xbeef;
const IP: &str = "192.0.2.10";

#[test]
fn decays_with_a_seven_day_half_life() {
    let mut e = weighted(50.0, 32);
    run(&mut e, &[custom(T0, U, IP, "bad")]);
    assert!((e.user_risk(U, T0) - 50.0).abs() < 1e-9);
    assert!((e.user_risk(U, T0 + 7 * DAY) - 25.0).abs() < 1e-9);
    assert!((e.user_risk(U, T0 + 14 * DAY) - 12.5).abs() < 1e-9);
    assert!((e.ip_risk(ip(IP), T0 + 7 * DAY) - 25.0).abs() < 1e-9);
    // New points add to the decayed score.
    let out = run(&mut e, &[custom(T0 + 7 * DAY, U, IP, "bad")]);
    let change = out.iter().find_map(|x| match x {
        Effect::RiskChanged(c) if c.subject == Subject::User(U) => Some(c.clone()),
        _ => None,
    });
    let c = change.expect("user risk changed");
    assert!((c.before - 25.0).abs() < 1e-6 && (c.after - 75.0).abs() < 1e-6);
}

#[test]
fn capped_at_one_hundred() {
    let mut e = weighted(40.0, 32);
    let evs: Vec<_> = (0..3).map(|i| custom(T0 + i, U, IP, "bad")).collect();
    let out = run(&mut e, &evs);
    assert_eq!(e.user_risk(U, T0 + 2), 100.0);
    assert_eq!(e.ip_risk(ip(IP), T0 + 2), 100.0);
    // At the cap, a further signal changes nothing, so no risk change is reported.
    let out2 = run(&mut e, &[custom(T0 + 2, U, IP, "bad")]);
    assert!(!out2.iter().any(|x| matches!(x, Effect::RiskChanged(_))));
    assert_eq!(signals(&out).len(), 3);
    let h = e.risk_history(U);
    assert_eq!(h.len(), 4);
    assert_eq!(h[2].delta, 20.0);
    assert_eq!(h[3].delta, 0.0);
}

#[test]
fn history_is_bounded_and_ordered() {
    let mut e = weighted(1.0, 5);
    let evs: Vec<_> = (0..12)
        .map(|i| custom(T0 + i * SEC, U, IP, "bad"))
        .collect();
    run(&mut e, &evs);
    let h = e.risk_history(U);
    assert_eq!(h.len(), 5);
    assert_eq!(h[0].ts_ms, T0 + 7 * SEC);
    assert_eq!(h[4].ts_ms, T0 + 11 * SEC);
    assert_eq!(h[4].signal, Some(SignalKind::Custom("bad".into())));
    assert!(e.risk_history(12345).is_empty());
}

#[test]
fn alias_carries_risk_and_history_to_the_new_identity() {
    let mut e = weighted(30.0, 32);
    const NEW: u128 = 0xcafe;
    run(
        &mut e,
        &[custom(T0, U, IP, "bad"), custom(T0 + SEC, U, IP, "bad")],
    );
    let mut out = Vec::new();
    let alias = Event::new(T0 + DAY, EventKind::Alias { previous: U }).user(NEW);
    e.process(&alias, &mut out);
    let expected = 60.0 * 2f64.powf(-(DAY - SEC) as f64 / (7 * DAY) as f64);
    assert!((e.user_risk(NEW, T0 + DAY) - expected).abs() < 1e-3);
    assert_eq!(e.risk_history(NEW), e.risk_history(U));
    assert_eq!(e.risk_history(NEW).len(), 2);
    match out.as_slice() {
        [Effect::RiskChanged(c)] => {
            assert_eq!(c.subject, Subject::User(NEW));
            assert_eq!(c.signal, None);
            assert_eq!(c.before, 0.0);
        }
        other => panic!("{other:?}"),
    }
    // The new identity keeps accumulating from the inherited level.
    run(&mut e, &[custom(T0 + DAY, NEW, IP, "bad")]);
    assert!((e.user_risk(NEW, T0 + DAY) - (expected + 30.0)).abs() < 1e-3);
    assert_eq!(e.risk_history(NEW).len(), 3);
    // Aliasing an unknown identity is a no-op apart from tracking the new one.
    let mut out = Vec::new();
    e.process(
        &Event::new(T0, EventKind::Alias { previous: 777 }).user(778),
        &mut out,
    );
    assert!(out.is_empty());
    assert_eq!(e.user_risk(778, T0), 0.0);
}
