//! Local mode: no server configured, so the same engine the server runs decides in-process.
//!
//! The worker feeds queued events to the engine; block actions become decisions in the same
//! store the ban checks read, and log/incident/notify actions go to the host's logging.

use std::sync::Arc;

use parking_lot::Mutex;
use vigil_engine::{
    Action as EngineAction, Effect, Engine, EngineConfig, NetworkLists, PlaybookAction,
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
    /// Loads the configured lists now, so a bad list file fails `start`, not the worker.
    pub fn new(config: EngineConfig) -> Result<LocalEngine> {
        let lists = NetworkLists::load(&config.lists).map_err(|e| Error::Config(e.to_string()))?;
        Ok(LocalEngine {
            engine: Engine::with_lists(config, lists),
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

    /// Turns pending effects into decisions and log lines.
    fn settle(&mut self, shared: &Shared) {
        let mut upserts = Vec::new();
        for effect in self.effects.drain(..) {
            match effect {
                Effect::Signal(s) => {
                    tracing::debug!(target: "vigil", signal = %s.kind, points = s.points, "signal")
                }
                Effect::RiskChanged(_) | Effect::ChallengePassed(_) => {}
                Effect::Playbook(p) => {
                    if let Some(d) = act(&p, &mut self.decisions_made) {
                        upserts.push(d);
                    }
                }
            }
        }
        if !upserts.is_empty() {
            let cursor = shared.decisions.load().cursor() + 1;
            shared.decisions.update(cursor, false, upserts, &[]);
        }
    }
}

fn act(p: &PlaybookAction, made: &mut u64) -> Option<Decision> {
    let reason = format!("playbook:{}", p.playbook);
    let (target, duration_ms) = match &p.action {
        EngineAction::Log => {
            tracing::warn!(target: "vigil", playbook = %p.playbook, reason = %p.reason, "suspicious activity");
            return None;
        }
        EngineAction::Incident => {
            tracing::warn!(target: "vigil", playbook = %p.playbook, reason = %p.reason, "incident opened");
            return None;
        }
        EngineAction::Notify { targets } => {
            tracing::warn!(target: "vigil", playbook = %p.playbook, ?targets, reason = %p.reason, "notification (local mode logs it)");
            return None;
        }
        EngineAction::BlockUser {
            user, duration_ms, ..
        } => (Target::User(UserKey(user.to_be_bytes())), *duration_ms),
        EngineAction::BlockIp { ip, duration_ms } => (Target::Ip(*ip), *duration_ms),
        _ => return None,
    };
    tracing::warn!(target: "vigil", playbook = %p.playbook, reason = %p.reason, ?target, duration_ms, "blocked");
    *made += 1;
    Some(Decision {
        id: format!("local_{made}"),
        target,
        action: Action::Block,
        expires_at_ms: Some(p.ts_ms.saturating_add(duration_ms)),
        reason,
        except_devices: Box::default(),
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
        device: None,
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
