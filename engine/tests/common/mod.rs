//! Builders shared by the integration tests.
#![allow(dead_code)]

use std::net::IpAddr;

use vigil_engine::{Action, Effect, Engine, EngineConfig, Event, Signal};
use vigil_protocol::EventKind;

pub const T0: i64 = 1_700_000_000_000;
pub const SEC: i64 = 1_000;
pub const MIN: i64 = 60 * SEC;
pub const HOUR: i64 = 60 * MIN;
pub const DAY: i64 = 24 * HOUR;

pub fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

pub fn fail(ts: i64, user: u128, addr: &str) -> Event {
    Event::new(ts, EventKind::AuthFailure { exists: Some(true) })
        .user(user)
        .ip(ip(addr))
}

pub fn fail_unknown(ts: i64, user: u128, addr: &str) -> Event {
    Event::new(
        ts,
        EventKind::AuthFailure {
            exists: Some(false),
        },
    )
    .user(user)
    .ip(ip(addr))
}

pub fn success(ts: i64, user: u128, addr: &str) -> Event {
    Event::new(ts, EventKind::AuthSuccess)
        .user(user)
        .ip(ip(addr))
}

pub fn signup(ts: i64, user: u128, addr: &str, domain: &str) -> Event {
    Event::new(ts, EventKind::Signup)
        .user(user)
        .ip(ip(addr))
        .email_domain(domain)
}

pub fn custom(ts: i64, user: u128, addr: &str, name: &str) -> Event {
    Event::new(ts, EventKind::Custom { name: name.into() })
        .user(user)
        .ip(ip(addr))
}

/// Runs events, returning all effects.
pub fn run(engine: &mut Engine, events: &[Event]) -> Vec<Effect> {
    let mut out = Vec::new();
    for e in events {
        engine.process(e, &mut out);
    }
    out
}

pub fn signals(effects: &[Effect]) -> Vec<&Signal> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Signal(s) => Some(s),
            _ => None,
        })
        .collect()
}

pub fn signal_names(effects: &[Effect]) -> Vec<String> {
    signals(effects)
        .iter()
        .map(|s| s.kind.to_string())
        .collect()
}

pub fn actions(effects: &[Effect]) -> Vec<&Action> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Playbook(p) => Some(&p.action),
            _ => None,
        })
        .collect()
}

pub fn ip_blocks(effects: &[Effect]) -> Vec<(IpAddr, i64)> {
    actions(effects)
        .into_iter()
        .filter_map(|a| match a {
            Action::BlockIp { ip, duration_ms } => Some((*ip, *duration_ms)),
            _ => None,
        })
        .collect()
}

pub fn user_blocks(effects: &[Effect]) -> Vec<u128> {
    actions(effects)
        .into_iter()
        .filter_map(|a| match a {
            Action::BlockUser { user, .. } => Some(*user),
            _ => None,
        })
        .collect()
}

/// An engine with no playbooks, to look at detectors and risk alone.
pub fn bare_engine() -> Engine {
    let mut cfg = small_config();
    cfg.default_playbooks = false;
    cfg.playbooks.clear();
    Engine::new(cfg)
}

/// Defaults with small maps, so tests do not allocate for a million keys.
pub fn small_config() -> EngineConfig {
    let mut cfg = EngineConfig::default();
    cfg.limits.max_users = 10_000;
    cfg.limits.max_ips = 10_000;
    cfg.limits.max_cooldowns = 10_000;
    cfg
}
