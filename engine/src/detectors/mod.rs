//! Detectors: each turns an event plus the per-key state it touches into signals.
//! One file per detector; this module routes events to them.

mod brute_force;
mod challenge;
mod credential_stuffing;
mod custom;
mod disposable_email;
mod distributed_brute_force;
mod enumeration;
mod hosting_network;
mod likely_takeover;
mod listed_network;
mod places;
mod signup_burst;

use std::net::IpAddr;

use vigil_protocol::{DeviceId, EventKind};

use crate::config::EngineConfig;
use crate::effect::ChallengePassed;
use crate::event::Event;
use crate::geo::{Geo, Place};
use crate::lists::NetworkLists;
use crate::signal::{Signal, SignalKind};
use crate::state::{ip_tag, user_tag, IpState, UserState};

/// What every detector sees about the event at hand.
pub(crate) struct Seen<'a> {
    pub cfg: &'a EngineConfig,
    pub lists: &'a NetworkLists,
    pub geo: &'a Geo,
    pub now: i64,
    pub user: Option<u128>,
    pub ip: Option<IpAddr>,
    pub device: Option<DeviceId>,
    /// Where `ip` is (empty when unknown or not looked up for this kind of event).
    pub place: Place,
}

impl Seen<'_> {
    fn signal(&self, kind: SignalKind, user: bool, ip: bool, points: f64) -> Signal {
        Signal {
            kind,
            user: self.user.filter(|_| user),
            ip: self.ip.filter(|_| ip),
            points,
            ts_ms: self.now,
        }
    }
}

/// Window sizes derived from the configuration once.
pub(crate) struct Detectors {
    custom: custom::Weights,
    /// How long, and how many, failed logins a user keeps: the most any user detector reads.
    user_fail_span: i64,
    user_fail_cap: usize,
}

impl Detectors {
    pub fn new(cfg: &EngineConfig) -> Self {
        Detectors {
            custom: custom::Weights::new(&cfg.custom),
            user_fail_span: cfg
                .brute_force
                .window
                .ms()
                .max(cfg.distributed_brute_force.window.ms())
                .max(cfg.likely_takeover.window.ms()),
            user_fail_cap: cfg
                .brute_force
                .failures
                .max(cfg.distributed_brute_force.failures)
                .max(cfg.likely_takeover.failures.saturating_mul(4))
                .clamp(1, 64) as usize,
        }
    }

    /// The longest any window or re-arm period lasts: state idle this long can be dropped.
    pub fn idle_span(cfg: &EngineConfig) -> i64 {
        [
            cfg.brute_force.window,
            cfg.credential_stuffing.window,
            cfg.distributed_brute_force.window,
            cfg.account_enumeration.window,
            cfg.likely_takeover.window,
            cfg.signup_burst.window,
            cfg.listed_network.window,
            cfg.hosting_network.window,
        ]
        .iter()
        .map(|w| w.ms())
        .max()
        .unwrap_or(0)
    }

    /// Appends the signals `event` raises, in a fixed order. Returns what a passed challenge
    /// asks of the host.
    pub fn detect(
        &self,
        seen: &Seen<'_>,
        event: &Event,
        mut user: Option<&mut UserState>,
        mut ip: Option<&mut IpState>,
        found: &mut Vec<Signal>,
    ) -> Option<ChallengePassed> {
        match &event.kind {
            EventKind::AuthFailure { exists } => {
                let itag = ip_tag(seen.ip);
                if let Some(u) = user.as_deref_mut() {
                    let d = u.detail_mut();
                    d.fails.prune(seen.now, self.user_fail_span);
                    d.fails.push(seen.now, itag, self.user_fail_cap);
                    found.extend(brute_force::check(seen, d, itag));
                    found.extend(distributed_brute_force::check(seen, d));
                }
                if let Some(s) = ip.as_deref_mut() {
                    found.extend(credential_stuffing::on_failure(
                        seen,
                        s,
                        user_tag(seen.user),
                    ));
                    if *exists == Some(false) {
                        found.extend(enumeration::on_unknown_account(seen, s.detail_mut()));
                    }
                }
                found.extend(listed_network::check(
                    seen,
                    user.as_deref_mut(),
                    ip.as_deref_mut(),
                ));
                found.extend(hosting_network::check(seen, user, ip, true));
            }
            EventKind::AuthSuccess => {
                if let Some(s) = ip.as_deref_mut() {
                    s.successes
                        .add(seen.now, seen.cfg.credential_stuffing.window.ms());
                }
                if let (Some(u), Some(s)) = (user.as_deref_mut(), ip.as_deref()) {
                    found.extend(likely_takeover::on_success(seen, u, s, self.user_fail_span));
                }
                if let Some(u) = user.as_deref_mut() {
                    places::on_success(seen, u, found);
                }
                found.extend(listed_network::check(
                    seen,
                    user.as_deref_mut(),
                    ip.as_deref_mut(),
                ));
                found.extend(hosting_network::check(seen, user, ip, false));
            }
            EventKind::Signup => {
                if let Some(s) = ip.as_deref_mut() {
                    found.extend(signup_burst::on_signup(seen, s.detail_mut()));
                }
                if let Some(domain) = &event.email_domain {
                    found.extend(disposable_email::check(seen, domain));
                }
                found.extend(listed_network::check(
                    seen,
                    user.as_deref_mut(),
                    ip.as_deref_mut(),
                ));
                found.extend(hosting_network::check(seen, user, ip, false));
            }
            EventKind::Challenge { result } => {
                let (signal, passed) = challenge::on_result(seen, user, *result);
                found.extend(signal);
                return passed;
            }
            EventKind::Custom { name } => found.extend(self.custom.check(seen, name)),
            EventKind::IdentifySeen | EventKind::Alias { .. } => {}
        }
        None
    }
}
