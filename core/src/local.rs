//! Local mode: no server configured, so the same engine the server runs decides in-process.
//!
//! The worker feeds queued events to the engine; block and challenge actions become decisions
//! in the same store the checks read, a passed challenge ends the user's challenges, and the
//! actions local mode cannot carry out (log, incident, notify, notify_user) go to the host's
//! logging. A shadow playbook's actions are only logged, as what it would have done.

use std::sync::Arc;

use parking_lot::Mutex;
use vigil_engine::{
    Action as EngineAction, Effect, Engine, EngineConfig, Geo, NetworkLists, PlaybookAction,
};

use crate::decisions::{Action, Decision, Target};
use crate::error::{Error, Result};
use crate::event::{now_ms, Event, EventKind};
use crate::identity::UserKey;
use crate::shared::Shared;
use crate::stats::Stats;

/// The engine and what local mode keeps beside it. Only the worker thread locks it.
pub struct LocalEngine {
    engine: Engine,
    effects: Vec<Effect>,
    decisions_made: u64,
}

impl LocalEngine {
    /// Loads the configured lists and geography databases now, so a bad file fails `start`,
    /// not the worker.
    pub fn new(config: EngineConfig) -> Result<LocalEngine> {
        let lists = NetworkLists::load(&config.lists).map_err(|e| Error::Config(e.to_string()))?;
        let geo =
            Geo::load(&config.geo).map_err(|e| Error::Config(format!("[engine.geo]: {e}")))?;
        Ok(LocalEngine {
            engine: Engine::with_data(config, lists, Arc::new(geo)),
            effects: Vec::new(),
            decisions_made: 0,
        })
    }

    fn handle(&mut self, event: &Event) {
        if let Some(e) = to_engine_event(event) {
            self.engine.process(&e, &mut self.effects);
        }
    }

    fn tick(&mut self, now: i64) {
        self.engine.tick(now, &mut self.effects);
    }

    /// Turns pending effects into decisions and log lines, in the order they came: a challenge
    /// passed ends the challenges made before it, not one a later event raised.
    fn settle(&mut self, shared: &Shared) {
        let mut upserts: Vec<Decision> = Vec::new();
        let mut passed: Vec<UserKey> = Vec::new();
        for effect in self.effects.drain(..) {
            match effect {
                Effect::Signal(s) => {
                    tracing::debug!(target: "vigil", signal = %s.kind, points = s.points, "signal")
                }
                Effect::RiskChanged(_) => {}
                Effect::Playbook(p) => {
                    if let Some(d) = act(&p, &mut self.decisions_made) {
                        upserts.push(d);
                    }
                }
                Effect::ChallengePassed(c) => {
                    let user = UserKey(c.user.to_be_bytes());
                    tracing::info!(target: "vigil", %user, "challenge passed: the user's challenges end");
                    upserts.retain(|d| !is_challenge_of(d, &user));
                    passed.push(user);
                }
            }
        }
        for user in &passed {
            shared.decisions.end_challenges(user);
        }
        if !upserts.is_empty() {
            let cursor = shared.decisions.load().cursor() + 1;
            shared.decisions.update(cursor, false, upserts, &[]);
        }
    }
}

fn is_challenge_of(d: &Decision, user: &UserKey) -> bool {
    d.action == Action::Challenge && d.target == Target::User(*user)
}

/// The decision a playbook action makes here, if any; everything else is logged.
fn act(p: &PlaybookAction, made: &mut u64) -> Option<Decision> {
    let (playbook, why) = (&p.playbook, &p.reason);
    if p.shadow {
        tracing::info!(target: "vigil", %playbook, action = p.action.name(), reason = %why, "shadow playbook: would have acted (nothing enforced)");
        return None;
    }
    let user_key = |user: &u128| UserKey(user.to_be_bytes());
    let (target, action, duration_ms, except_devices) = match &p.action {
        EngineAction::Log => {
            tracing::warn!(target: "vigil", %playbook, reason = %why, "suspicious activity");
            return None;
        }
        EngineAction::Incident => {
            tracing::warn!(target: "vigil", %playbook, reason = %why, "incident opened");
            return None;
        }
        EngineAction::Notify { targets } => {
            tracing::warn!(target: "vigil", %playbook, ?targets, reason = %why, "notification (local mode logs it)");
            return None;
        }
        EngineAction::NotifyUser {
            user,
            device,
            country,
        } => {
            let (user, device) = (user_key(user), device.map(|d| d.to_string()));
            let country = country.map(|c| c.to_string());
            tracing::warn!(target: "vigil", %playbook, %user, ?device, ?country, reason = %why, "the user would be e-mailed about this login; local mode has no mailer, so only this line records it");
            return None;
        }
        EngineAction::BlockUser {
            user,
            duration_ms,
            except_devices,
        } => (
            Target::User(user_key(user)),
            Action::Block,
            *duration_ms,
            except_devices.as_slice(),
        ),
        EngineAction::BlockIp { ip, duration_ms } => {
            (Target::Ip(*ip), Action::Block, *duration_ms, &[][..])
        }
        EngineAction::ChallengeUser { user, duration_ms } => (
            Target::User(user_key(user)),
            Action::Challenge,
            *duration_ms,
            &[][..],
        ),
        EngineAction::ChallengeIp { ip, duration_ms } => {
            (Target::Ip(*ip), Action::Challenge, *duration_ms, &[][..])
        }
    };
    let verb = if action == Action::Challenge {
        "challenged"
    } else {
        "blocked"
    };
    tracing::warn!(target: "vigil", %playbook, reason = %why, ?target, duration_ms, exempt_devices = except_devices.len(), "{verb}");
    *made += 1;
    Some(Decision {
        id: format!("local_{made}"),
        target,
        action,
        expires_at_ms: Some(p.ts_ms.saturating_add(duration_ms)),
        reason: format!("playbook:{playbook}"),
        except_devices: except_devices.into(),
    })
}

fn to_engine_event(event: &Event) -> Option<vigil_engine::Event> {
    let kind = event
        .kind
        .map_previous(|previous| u128::from_be_bytes(previous.key().0));
    let user = event.user.as_ref();
    Some(vigil_engine::Event {
        ts_ms: event.ts_ms,
        email_domain: match event.kind {
            EventKind::Signup => user.and_then(|u| u.email_domain()).map(Into::into),
            _ => None,
        },
        kind,
        user: user.map(|u| u128::from_be_bytes(u.key().0)),
        ip: event.request.as_ref().and_then(|r| r.ip),
        device: event.request.as_ref().and_then(|r| r.device),
        // The engine looks the IP up in its geography.
        place: None,
    })
}

pub async fn run(shared: &Arc<Shared>, local: &Mutex<LocalEngine>) {
    loop {
        let generation = shared.flush_generation();
        {
            let mut engine = local.lock();
            while let Some(event) = shared.queue.pop() {
                engine.handle(&event);
                Stats::add(&shared.stats.sent, 1);
            }
            engine.tick(now_ms());
            engine.settle(shared);
        }
        shared.mark_flushed(generation);
        tokio::select! {
            _ = shared.wake.notified() => {}
            _ = tokio::time::sleep(shared.flush_interval()) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use vigil_engine::{DeviceId, SignalKind, TriggerFired};

    use super::*;

    fn fired(action: EngineAction, shadow: bool) -> PlaybookAction {
        PlaybookAction {
            playbook: "p".into(),
            trigger: TriggerFired::Signal {
                name: SignalKind::BruteForce,
            },
            action,
            user: Some(7),
            ip: None,
            ts_ms: 1_000,
            reason: "test".into(),
            shadow,
        }
    }

    #[test]
    fn actions_become_decisions_or_log_lines() {
        let mut made = 0;
        let lock = EngineAction::BlockUser {
            user: 7,
            duration_ms: 60_000,
            except_devices: vec![DeviceId(1)],
        };
        let d = act(&fired(lock.clone(), false), &mut made).unwrap();
        assert_eq!(d.target, Target::User(UserKey(7u128.to_be_bytes())));
        assert_eq!((d.action, d.expires_at_ms), (Action::Block, Some(61_000)));
        assert_eq!(&*d.except_devices, &[DeviceId(1)]);
        assert_eq!(d.reason, "playbook:p");
        assert!(act(&fired(lock, true), &mut made).is_none(), "shadow");
        let ip = "192.0.2.1".parse().unwrap();
        let challenge = EngineAction::ChallengeIp { ip, duration_ms: 1 };
        let d = act(&fired(challenge, false), &mut made).unwrap();
        assert_eq!((d.target, d.action), (Target::Ip(ip), Action::Challenge));
        assert_eq!(d.id, "local_2");
        let notify = EngineAction::NotifyUser {
            user: 7,
            device: Some(DeviceId(1)),
            country: None,
        };
        assert!(act(&fired(notify, false), &mut made).is_none());
        assert_eq!(made, 2);
    }
}
