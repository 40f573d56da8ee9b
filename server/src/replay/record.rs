//! What one configuration did over the replayed log, kept as per-subject aggregates (not a
//! list of every effect) so that a week of events fits in memory: its bans, the first signal
//! and first ban of every subject, its incidents, which users had attack signals, and what
//! its shadow playbooks would have done.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use vigil_engine::keys::parse_user;
use vigil_engine::{Action, Effect, PlaybookAction, SignalKind, Subject};
use vigil_protocol::event_kind::AUTH_SUCCESS;

use crate::store::TailEvent;

/// Signals that mark their user as attacked or attacking: a user with one of these is not a
/// benign-looking user.
pub const ATTACK_SIGNALS: [SignalKind; 6] = [
    SignalKind::BruteForce,
    SignalKind::CredentialStuffing,
    SignalKind::DistributedBruteForce,
    SignalKind::AccountEnumeration,
    SignalKind::LikelyTakeover,
    SignalKind::ChallengeFailed,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BanAction {
    Block,
    Challenge,
}

impl BanAction {
    pub fn name(self) -> &'static str {
        match self {
            BanAction::Block => "block",
            BanAction::Challenge => "challenge",
        }
    }
}

/// A decision as replays match them: (scope, value, action). Scope and value are the
/// subject's (a user key or an IP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ban {
    pub subject: Subject,
    pub action: BanAction,
}

/// Every time one configuration made a ban.
#[derive(Debug, Clone, PartialEq)]
pub struct BanSeen {
    pub first_ms: i64,
    /// The playbook of the first time.
    pub playbook: Arc<str>,
    pub times: u32,
}

#[derive(Debug, Default)]
pub struct Run {
    pub bans: HashMap<Ban, BanSeen>,
    /// The earliest signal about each subject: a signal is about its user and about its IP.
    pub first_signal: HashMap<Subject, i64>,
    /// The earliest block or challenge of each subject.
    pub first_ban: HashMap<Subject, i64>,
    /// Subjects of `incident` actions (the user, else the IP), with the first time.
    pub incidents: HashMap<Subject, i64>,
    /// Users with a signal of `ATTACK_SIGNALS`.
    pub attacked: HashSet<u128>,
    /// Shadow playbooks: (playbook, action) -> how many actions they would have taken.
    pub shadow: BTreeMap<(String, &'static str), u64>,
    pub signals: u64,
    /// Enforced blocks and challenges, repeats included.
    pub decisions: u64,
}

fn earliest(map: &mut HashMap<Subject, i64>, subject: Subject, ts_ms: i64) {
    map.entry(subject)
        .and_modify(|t| *t = (*t).min(ts_ms))
        .or_insert(ts_ms);
}

impl Run {
    /// Records one event's effects.
    pub fn record(&mut self, effects: &[Effect]) {
        for effect in effects {
            match effect {
                Effect::Signal(s) => {
                    self.signals += 1;
                    let subjects = [s.user.map(Subject::User), s.ip.map(Subject::Ip)];
                    for subject in subjects.into_iter().flatten() {
                        earliest(&mut self.first_signal, subject, s.ts_ms);
                    }
                    if let Some(user) = s.user.filter(|_| ATTACK_SIGNALS.contains(&s.kind)) {
                        self.attacked.insert(user);
                    }
                }
                Effect::Playbook(pa) => self.playbook(pa),
                Effect::RiskChanged(_) | Effect::ChallengePassed(_) => {}
            }
        }
    }

    fn playbook(&mut self, pa: &PlaybookAction) {
        if pa.shadow {
            let key = (pa.playbook.to_string(), pa.action.name());
            *self.shadow.entry(key).or_default() += 1;
            return;
        }
        let ban = match pa.action {
            Action::BlockUser { user, .. } => (Subject::User(user), BanAction::Block),
            Action::ChallengeUser { user, .. } => (Subject::User(user), BanAction::Challenge),
            Action::BlockIp { ip, .. } => (Subject::Ip(ip), BanAction::Block),
            Action::ChallengeIp { ip, .. } => (Subject::Ip(ip), BanAction::Challenge),
            Action::Incident => {
                let subject = pa.user.map(Subject::User).or(pa.ip.map(Subject::Ip));
                if let Some(subject) = subject {
                    earliest(&mut self.incidents, subject, pa.ts_ms);
                }
                return;
            }
            Action::Log | Action::Notify { .. } | Action::NotifyUser { .. } => return,
        };
        let (subject, action) = ban;
        self.decisions += 1;
        earliest(&mut self.first_ban, subject, pa.ts_ms);
        self.bans
            .entry(Ban { subject, action })
            .and_modify(|b| {
                b.times += 1;
                if pa.ts_ms < b.first_ms {
                    b.first_ms = pa.ts_ms;
                    b.playbook = pa.playbook.clone();
                }
            })
            .or_insert_with(|| BanSeen {
                first_ms: pa.ts_ms,
                playbook: pa.playbook.clone(),
                times: 1,
            });
    }
}

/// Successful logins per user over the window: the same under either configuration.
#[derive(Debug, Default)]
pub struct Logins(pub HashMap<u128, u32>);

impl Logins {
    pub fn record(&mut self, ev: &TailEvent) {
        if ev.kind != AUTH_SUCCESS {
            return;
        }
        if let Some(user) = ev.user_key.as_deref().and_then(|k| parse_user(k).ok()) {
            *self.0.entry(user).or_default() += 1;
        }
    }

    pub fn of(&self, user: u128) -> u32 {
        self.0.get(&user).copied().unwrap_or(0)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::net::IpAddr;

    use vigil_engine::{Signal, TriggerFired};

    use super::*;

    pub fn signal(kind: SignalKind, user: Option<u128>, ip: Option<&str>, ts_ms: i64) -> Effect {
        Effect::Signal(Signal {
            kind,
            user,
            ip: ip.map(|s| s.parse().unwrap()),
            points: 10.0,
            ts_ms,
        })
    }

    pub fn action(
        playbook: &str,
        action: Action,
        user: Option<u128>,
        ip: Option<&str>,
        ts_ms: i64,
    ) -> Effect {
        Effect::Playbook(PlaybookAction {
            playbook: playbook.into(),
            trigger: TriggerFired::Signal {
                name: SignalKind::BruteForce,
            },
            action,
            user,
            ip: ip.map(|s| s.parse().unwrap()),
            ts_ms,
            reason: String::new(),
            shadow: false,
        })
    }

    pub fn block_ip(ip: &str, ts_ms: i64) -> Effect {
        let addr: IpAddr = ip.parse().unwrap();
        action(
            "block-attacking-ips",
            Action::BlockIp {
                ip: addr,
                duration_ms: 3_600_000,
            },
            None,
            Some(ip),
            ts_ms,
        )
    }

    pub fn block_user(user: u128, ts_ms: i64) -> Effect {
        action(
            "lock-attacked-accounts",
            Action::BlockUser {
                user,
                duration_ms: 900_000,
                except_devices: Vec::new(),
            },
            Some(user),
            None,
            ts_ms,
        )
    }

    pub fn shadow(mut effect: Effect) -> Effect {
        if let Effect::Playbook(pa) = &mut effect {
            pa.shadow = true;
        }
        effect
    }

    #[test]
    fn records_bans_signals_incidents_and_shadow_runs() {
        let ip: IpAddr = "203.0.113.9".parse().unwrap();
        let mut run = Run::default();
        run.record(&[
            signal(SignalKind::BruteForce, Some(7), Some("203.0.113.9"), 2_000),
            block_ip("203.0.113.9", 2_000),
            action(
                "suspicious-user-behaviors",
                Action::Incident,
                Some(7),
                Some("203.0.113.9"),
                2_000,
            ),
            shadow(block_user(7, 2_000)),
        ]);
        // Events come in seq order, which need not be time order.
        run.record(&[
            signal(SignalKind::NewDevice, Some(8), Some("203.0.113.9"), 1_000),
            block_ip("203.0.113.9", 5_000),
        ]);
        assert_eq!(run.signals, 2);
        assert_eq!(run.decisions, 2);
        let ban = Ban {
            subject: Subject::Ip(ip),
            action: BanAction::Block,
        };
        assert_eq!(
            run.bans[&ban],
            BanSeen {
                first_ms: 2_000,
                playbook: "block-attacking-ips".into(),
                times: 2
            }
        );
        assert_eq!(run.bans.len(), 1, "the shadow block is not a ban");
        assert_eq!(run.first_signal[&Subject::Ip(ip)], 1_000);
        assert_eq!(run.first_signal[&Subject::User(7)], 2_000);
        assert_eq!(run.first_ban[&Subject::Ip(ip)], 2_000);
        assert_eq!(run.incidents, HashMap::from([(Subject::User(7), 2_000)]));
        assert_eq!(run.attacked, HashSet::from([7]), "new_device is no attack");
        assert_eq!(
            run.shadow,
            BTreeMap::from([(("lock-attacked-accounts".into(), "block_user"), 1)])
        );
    }

    fn tail(kind: &str, user_key: Option<String>) -> TailEvent {
        TailEvent {
            seq: 1,
            app_id: 1,
            ts_ms: 0,
            kind: kind.into(),
            user_key,
            ip: None,
            engine: Default::default(),
        }
    }

    #[test]
    fn logins_count_successes_per_user() {
        let key = vigil_engine::keys::format_user(7);
        let mut logins = Logins::default();
        for ev in [
            tail(AUTH_SUCCESS, Some(key.clone())),
            tail("auth.failure", Some(key.clone())),
            tail(AUTH_SUCCESS, Some(key)),
            tail(AUTH_SUCCESS, None),
            tail(AUTH_SUCCESS, Some("not a key".into())),
        ] {
            logins.record(&ev);
        }
        assert_eq!(logins.0, HashMap::from([(7, 2)]));
        assert_eq!(logins.of(8), 0);
    }
}
