//! The engine: routes events to detectors, applies risk, runs playbooks.

use std::net::IpAddr;
use std::sync::Arc;

use serde::Serialize;
use vigil_protocol::EventKind;

use crate::config::EngineConfig;
use crate::detectors::{Detectors, Seen};
use crate::effect::{Effect, RiskChange, Subject};
use crate::event::Event;
use crate::geo::{Geo, Place};
use crate::lists::NetworkLists;
use crate::playbook::{CooldownKey, Occasion, Playbooks};
use crate::risk::{push_history, RiskPoint};
use crate::signal::Signal;
use crate::state::{lru, IpState, Lru, UserState};

/// Pure and deterministic: the same configuration, lists and events always give the same
/// effects. It never reads the clock, does no I/O and has no randomness.
pub struct Engine {
    config: EngineConfig,
    lists: NetworkLists,
    /// Shared: one database serves every app's engine in the server.
    geo: Arc<Geo>,
    detectors: Detectors,
    playbooks: Playbooks,
    users: Lru<u128, UserState>,
    ips: Lru<IpAddr, IpState>,
    cooldowns: Lru<CooldownKey, i64>,
    /// Reused for each event's signals so `process` does not allocate per event.
    found: Vec<Signal>,
    idle_span: i64,
    counters: Counters,
}

#[derive(Debug, Clone, Copy, Default)]
struct Counters {
    events: u64,
    signals: u64,
    actions: u64,
    users_evicted: u64,
    ips_evicted: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EngineStats {
    pub users: usize,
    pub ips: usize,
    pub cooldowns: usize,
    pub max_users: usize,
    pub max_ips: usize,
    pub events: u64,
    pub signals: u64,
    pub playbook_actions: u64,
    /// Keys dropped by `tick` because nothing about them could matter any more.
    pub users_pruned: u64,
    pub ips_pruned: u64,
    pub disposable_domains: usize,
    pub listed_networks: usize,
}

impl Engine {
    /// An engine with the built-in lists. The configuration's playbooks are merged with the
    /// built-in ones as `EngineConfig::resolve_playbooks` says; an invalid configuration is
    /// the caller's bug, so check it with `EngineConfig::validate` first when it comes from
    /// outside (`from_toml_str` does).
    pub fn new(config: EngineConfig) -> Engine {
        Self::with_lists(config, NetworkLists::builtin())
    }

    pub fn with_lists(config: EngineConfig, lists: NetworkLists) -> Engine {
        Self::with_data(config, lists, Arc::new(Geo::none()))
    }

    /// An engine with these lists and this geography (`Geo::load(&config.geo)`, loaded once
    /// and shared by the caller).
    pub fn with_data(mut config: EngineConfig, lists: NetworkLists, geo: Arc<Geo>) -> Engine {
        config.resolve_playbooks();
        Engine {
            detectors: Detectors::new(&config),
            playbooks: Playbooks::new(&config.playbooks, &config.lockout),
            geo,
            users: lru(config.limits.max_users),
            ips: lru(config.limits.max_ips),
            cooldowns: lru(config.limits.max_cooldowns),
            found: Vec::new(),
            idle_span: Detectors::idle_span(&config),
            counters: Counters::default(),
            lists,
            config,
        }
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Processes one event, appending its effects to `out` in a fixed order: for each signal,
    /// the signal, the user's then the IP's risk change, then playbook actions.
    pub fn process(&mut self, event: &Event, out: &mut Vec<Effect>) {
        self.counters.events += 1;
        if let EventKind::Alias { previous } = event.kind {
            if let Some(user) = event.user {
                self.alias(previous, user, event.ts_ms, out);
            }
            return;
        }
        let Engine {
            config,
            lists,
            geo,
            detectors,
            playbooks,
            users,
            ips,
            cooldowns,
            found,
            counters,
            ..
        } = self;
        // A failure on an account that does not exist says nothing about any real user;
        // tracking it would let an enumeration run flush real users out of the LRU.
        let track_user = !matches!(
            event.kind,
            EventKind::AuthFailure {
                exists: Some(false)
            }
        );
        let mut user = event
            .user
            .filter(|_| track_user)
            .map(|u| users.get_or_insert_mut(u, UserState::default));
        let mut ip = event.ip.map(|a| ips.get_or_insert_mut(a, IpState::default));
        // Only logins and signups are placed: nothing else reads it, and a lookup is the
        // dearest thing an event can cost.
        let locate = matches!(
            event.kind,
            EventKind::AuthSuccess | EventKind::AuthFailure { .. } | EventKind::Signup
        );
        let place = match (event.place, event.ip) {
            (Some(p), _) => p,
            (None, Some(addr)) if locate => geo.lookup(addr),
            _ => Place::default(),
        };
        let seen = Seen {
            cfg: config,
            lists,
            geo,
            now: event.ts_ms,
            user: event.user,
            ip: event.ip,
            device: event.device,
            place,
        };
        found.clear();
        let passed = detectors.detect(&seen, event, user.as_deref_mut(), ip.as_deref_mut(), found);
        if let Some(p) = passed {
            out.push(Effect::ChallengePassed(p));
        }
        if found.is_empty() {
            return;
        }
        let known_devices: smallvec::SmallVec<[vigil_protocol::DeviceId; 8]> = user
            .as_deref()
            .and_then(|u| u.known.as_deref())
            .map(|k| k.trusted_devices().collect())
            .unwrap_or_default();
        let half_life = config.risk.half_life.ms();
        let max = config.risk.max;
        for sig in found.drain(..) {
            counters.signals += 1;
            out.push(Effect::Signal(sig.clone()));
            let mut user_risk = None;
            let mut history: &[RiskPoint] = &[];
            if let (Some(key), Some(st)) = (sig.user, user.as_deref_mut()) {
                let (before, after) = st.risk.add(sig.ts_ms, sig.points, half_life, max);
                let hist = &mut st.detail_mut().history;
                push_history(
                    hist,
                    RiskPoint {
                        ts_ms: sig.ts_ms,
                        score: after as f32,
                        delta: (after - before) as f32,
                        signal: Some(sig.kind.clone()),
                    },
                    config.risk.history_len,
                );
                if after != before {
                    out.push(risk_change(Subject::User(key), before, after, &sig));
                }
                user_risk = Some((before, after));
                history = st.history();
            }
            if let (Some(addr), Some(st)) = (sig.ip, ip.as_deref_mut()) {
                let (before, after) = st.risk.add(sig.ts_ms, sig.points, half_life, max);
                if sig.kind.flags_ip() {
                    st.flagged_at = sig.ts_ms;
                }
                if after != before {
                    out.push(risk_change(Subject::Ip(addr), before, after, &sig));
                }
            }
            let occasion = Occasion {
                signal: &sig,
                user_risk,
                history,
                known_devices: &known_devices,
                device: event.device,
                country: place.country,
            };
            let len = out.len();
            playbooks.run(
                &occasion,
                ip.as_deref_mut(),
                cooldowns,
                &config.escalation,
                out,
            );
            counters.actions += (out.len() - len) as u64;
        }
    }

    /// The new identity takes the higher of the two risks and the union of both histories,
    /// so changing an email does not reset an account's threat level.
    fn alias(&mut self, previous: u128, user: u128, now: i64, out: &mut Vec<Effect>) {
        let half_life = self.config.risk.half_life.ms();
        let Some(old) = self.users.peek(&previous) else {
            self.users.get_or_insert_mut(user, UserState::default);
            return;
        };
        let old_risk = old.risk.value(now, half_life);
        let old_history = old.history().to_vec();
        let st = self.users.get_or_insert_mut(user, UserState::default);
        let before = st.risk.value(now, half_life);
        if !old_history.is_empty() {
            let hist = &mut st.detail_mut().history;
            hist.extend(old_history);
            // Stable sort keeps the order of same-time points deterministic.
            hist.sort_by_key(|p| p.ts_ms);
            let cap = self.config.risk.history_len;
            if hist.len() > cap {
                let excess = hist.len() - cap;
                hist.drain(..excess);
            }
        }
        if old_risk > before {
            st.risk.set(now, old_risk);
            out.push(Effect::RiskChanged(RiskChange {
                subject: Subject::User(user),
                before,
                after: old_risk,
                ts_ms: now,
                signal: None,
            }));
        }
    }

    /// Advances time without an event: forgets users and IPs (from the least recently seen)
    /// and cooldowns that can no longer affect any decision. Emits nothing today; `out` is
    /// there so time-based effects can be added without changing callers.
    pub fn tick(&mut self, now_ms: i64, _out: &mut Vec<Effect>) {
        let half_life = self.config.risk.half_life.ms();
        let span = self.idle_span;
        let reset = self.config.escalation.reset_after.ms();
        let forget = self.config.known.forget_after.ms();
        while let Some((_, st)) = self.users.peek_lru() {
            if !st.is_idle(now_ms, half_life, span, forget) {
                break;
            }
            self.users.pop_lru();
            self.counters.users_evicted += 1;
        }
        while let Some((_, st)) = self.ips.peek_lru() {
            if !st.is_idle(now_ms, half_life, span, reset) {
                break;
            }
            self.ips.pop_lru();
            self.counters.ips_evicted += 1;
        }
        while let Some((_, &until)) = self.cooldowns.peek_lru() {
            if until > now_ms {
                break;
            }
            self.cooldowns.pop_lru();
        }
    }

    /// The user's current (decayed, capped) risk; 0 for an unknown user.
    pub fn user_risk(&self, user: u128, now_ms: i64) -> f64 {
        self.users.peek(&user).map_or(0.0, |s| {
            s.risk.value(now_ms, self.config.risk.half_life.ms())
        })
    }

    pub fn ip_risk(&self, ip: IpAddr, now_ms: i64) -> f64 {
        self.ips.peek(&ip).map_or(0.0, |s| {
            s.risk.value(now_ms, self.config.risk.half_life.ms())
        })
    }

    /// The user's last `risk.history_len` risk changes, oldest first.
    pub fn risk_history(&self, user: u128) -> &[RiskPoint] {
        self.users.peek(&user).map_or(&[], |s| s.history())
    }

    /// Devices of this user exempt from lockouts (logged in from a usual place, or passed a
    /// challenge), most recently seen first.
    pub fn trusted_devices(&self, user: u128) -> Vec<vigil_protocol::DeviceId> {
        let Some(k) = self.users.peek(&user).and_then(|s| s.known.as_deref()) else {
            return Vec::new();
        };
        let mut devices: Vec<_> = k.devices.iter().filter(|d| d.trusted).collect();
        devices.sort_by_key(|d| std::cmp::Reverse(d.last_ms));
        devices.into_iter().map(|d| d.id).collect()
    }

    pub fn geo(&self) -> &Geo {
        &self.geo
    }

    /// Replaces the disposable domain and listed network lists (e.g. on SIGHUP).
    pub fn reload_lists(&mut self, lists: NetworkLists) {
        self.lists = lists;
    }

    pub fn lists(&self) -> &NetworkLists {
        &self.lists
    }

    pub fn stats(&self) -> EngineStats {
        EngineStats {
            users: self.users.len(),
            ips: self.ips.len(),
            cooldowns: self.cooldowns.len(),
            max_users: self.users.cap().get(),
            max_ips: self.ips.cap().get(),
            events: self.counters.events,
            signals: self.counters.signals,
            playbook_actions: self.counters.actions,
            users_pruned: self.counters.users_evicted,
            ips_pruned: self.counters.ips_evicted,
            disposable_domains: self.lists.domain_count(),
            listed_networks: self.lists.network_count(),
        }
    }
}

fn risk_change(subject: Subject, before: f64, after: f64, sig: &Signal) -> Effect {
    Effect::RiskChanged(RiskChange {
        subject,
        before,
        after,
        ts_ms: sig.ts_ms,
        signal: Some(sig.kind.clone()),
    })
}
