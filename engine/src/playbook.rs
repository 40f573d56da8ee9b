//! Playbooks: a trigger, actions, a cooldown so one burst fires once, and escalating IP blocks.

use std::net::IpAddr;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize};
use vigil_protocol::DeviceId;

use crate::config::EscalationConfig;
use crate::duration::DurationMs;
use crate::effect::{Action, Effect, PlaybookAction, TriggerFired};
use crate::keys::format_user;
use crate::risk::{increase_within, RiskPoint};
use crate::signal::{Signal, SignalKind};
use crate::state::{IpState, Lru};
use crate::EngineError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaybookConfig {
    pub name: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    pub trigger: Trigger,
    pub actions: Vec<ActionSpec>,
    /// After firing for a subject, stay quiet for that subject this long.
    #[serde(default = "default_cooldown")]
    pub cooldown: DurationMs,
    /// `shadow`: actions are recorded as what the playbook would have done, none enforced.
    #[serde(default)]
    pub mode: Mode,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    #[default]
    Enforce,
    Shadow,
}

fn yes() -> bool {
    true
}

fn default_cooldown() -> DurationMs {
    DurationMs::from_hours(1)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Trigger {
    /// The user's risk rose by more than `points` within `window`.
    RiskIncrease { points: f64, window: DurationMs },
    /// The user's risk crossed `score` upwards.
    RiskAbove { score: f64 },
    /// One of these signals fired (`name = "x"` or `names = ["x", "y"]`).
    Signal {
        #[serde(alias = "name", deserialize_with = "one_or_many")]
        names: Vec<String>,
    },
}

fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Raw::deserialize(d)? {
        Raw::One(s) => vec![s],
        Raw::Many(v) => v,
    })
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ActionSpec {
    Log,
    Incident,
    Notify {
        targets: Vec<String>,
    },
    BlockUser {
        duration: DurationMs,
    },
    /// Base duration; repeat blocks of the same IP double it (see `[engine.escalation]`).
    BlockIp {
        duration: DurationMs,
    },
    ChallengeUser {
        duration: DurationMs,
    },
    ChallengeIp {
        duration: DurationMs,
    },
    /// E-mail the user about the login (new device or country), with "this was me" and
    /// "not me" links.
    NotifyUser,
}

/// The built-in playbooks. Blocking users is opt-in: a brute force against a victim must
/// not lock the victim out, so the only user-blocking playbook ships disabled.
pub fn default_playbooks() -> Vec<PlaybookConfig> {
    vec![
        PlaybookConfig {
            name: "suspicious-user-behaviors".into(),
            enabled: true,
            trigger: Trigger::RiskIncrease {
                points: 10.0,
                window: DurationMs::from_hours(24),
            },
            actions: vec![
                ActionSpec::Log,
                ActionSpec::Incident,
                ActionSpec::Notify {
                    targets: vec!["default".into()],
                },
            ],
            cooldown: DurationMs::from_hours(24),
            mode: Mode::Enforce,
        },
        PlaybookConfig {
            name: "block-attacking-ips".into(),
            enabled: true,
            trigger: Trigger::Signal {
                names: vec![
                    "brute_force".into(),
                    "credential_stuffing".into(),
                    "account_enumeration".into(),
                ],
            },
            actions: vec![ActionSpec::BlockIp {
                duration: DurationMs::from_hours(1),
            }],
            cooldown: DurationMs::from_mins(10),
            mode: Mode::Enforce,
        },
        PlaybookConfig {
            name: "block-takeover-users".into(),
            enabled: false,
            trigger: Trigger::Signal {
                names: vec!["likely_takeover".into()],
            },
            actions: vec![ActionSpec::BlockUser {
                duration: DurationMs::from_hours(1),
            }],
            cooldown: DurationMs::from_hours(1),
            mode: Mode::Enforce,
        },
        // A login from somewhere new is asked to prove itself rather than refused: the
        // traveller passes the challenge, the attacker with a stolen password does not.
        PlaybookConfig {
            name: "challenge-new-places".into(),
            enabled: true,
            trigger: Trigger::Signal {
                names: vec!["new_country".into(), "impossible_travel".into()],
            },
            actions: vec![ActionSpec::ChallengeUser {
                duration: DurationMs::from_hours(1),
            }],
            cooldown: DurationMs::from_hours(1),
            mode: Mode::Enforce,
        },
        // Locking an account under brute force is what lets an attacker lock the owner out;
        // `[engine.lockout]` exempts the owner's known devices. Opt-in, like every user block.
        PlaybookConfig {
            name: "lock-attacked-accounts".into(),
            enabled: false,
            trigger: Trigger::Signal {
                names: vec!["brute_force".into(), "distributed_brute_force".into()],
            },
            actions: vec![ActionSpec::BlockUser {
                duration: DurationMs::from_mins(15),
            }],
            cooldown: DurationMs::from_mins(15),
            mode: Mode::Enforce,
        },
        // Needs the server's SMTP notifier and a public URL for the links.
        PlaybookConfig {
            name: "notify-new-places".into(),
            enabled: false,
            trigger: Trigger::Signal {
                names: vec!["new_device".into(), "new_country".into()],
            },
            actions: vec![ActionSpec::NotifyUser],
            cooldown: DurationMs::from_hours(1),
            mode: Mode::Enforce,
        },
    ]
}

impl PlaybookConfig {
    pub fn validate(&self) -> Result<(), EngineError> {
        let bad = |m: &str| {
            Err(EngineError::Config(format!(
                "playbook {:?}: {m}",
                self.name
            )))
        };
        if self.name.is_empty() {
            return bad("empty name");
        }
        if let Trigger::Signal { names } = &self.trigger {
            if names.is_empty() {
                return bad("signal trigger without a name");
            }
            for n in names {
                if !SignalKind::is_known_name(n) {
                    return bad(&format!("unknown signal {n:?}"));
                }
            }
        }
        for a in &self.actions {
            if let ActionSpec::BlockIp { duration }
            | ActionSpec::BlockUser { duration }
            | ActionSpec::ChallengeUser { duration }
            | ActionSpec::ChallengeIp { duration } = a
            {
                if duration.ms() <= 0 {
                    return bad("block and challenge durations must be positive");
                }
            }
        }
        Ok(())
    }
}

/// Who a cooldown is for: the playbook and its subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct CooldownKey {
    playbook: u16,
    user: Option<u128>,
    ip: Option<IpAddr>,
}

/// Playbooks ready to run: names shared with every effect they produce.
pub(crate) struct Playbooks {
    list: Vec<(Arc<str>, PlaybookConfig)>,
    /// Signals whose user blocks spare the user's known devices (`[engine.lockout]`).
    lockout: Vec<String>,
}

/// Everything one applied signal tells the playbooks.
pub(crate) struct Occasion<'a> {
    pub signal: &'a Signal,
    /// The user's risk before and after this signal, if it had a user.
    pub user_risk: Option<(f64, f64)>,
    pub history: &'a [RiskPoint],
    /// The user's devices that logged in successfully or passed a challenge.
    pub known_devices: &'a [DeviceId],
    /// Where the event came from, for `notify_user`.
    pub device: Option<DeviceId>,
    pub country: Option<crate::geo::Country>,
}

impl Playbooks {
    pub fn new(configs: &[PlaybookConfig], lockout: &crate::config::LockoutConfig) -> Self {
        Playbooks {
            list: configs
                .iter()
                .filter(|p| p.enabled)
                .map(|p| (Arc::from(p.name.as_str()), p.clone()))
                .collect(),
            lockout: if lockout.exempt_known_devices {
                lockout.signals.clone()
            } else {
                Vec::new()
            },
        }
    }

    pub fn run(
        &self,
        occ: &Occasion<'_>,
        mut ip_state: Option<&mut IpState>,
        cooldowns: &mut Lru<CooldownKey, i64>,
        esc: &EscalationConfig,
        out: &mut Vec<Effect>,
    ) {
        let sig = occ.signal;
        let now = sig.ts_ms;
        for (i, (name, pb)) in self.list.iter().enumerate() {
            let Some((fired, key_user, key_ip)) = Self::fires(&pb.trigger, occ) else {
                continue;
            };
            let key = CooldownKey {
                playbook: i as u16,
                user: key_user,
                ip: key_ip,
            };
            if cooldowns.peek(&key).is_some_and(|&until| until > now) {
                continue;
            }
            cooldowns.put(key, now.saturating_add(pb.cooldown.ms()));
            let reason = Self::reason(&fired, sig, occ.user_risk);
            let shadow = pb.mode == Mode::Shadow;
            for spec in &pb.actions {
                let action = match spec {
                    ActionSpec::Log => Action::Log,
                    ActionSpec::Incident => Action::Incident,
                    ActionSpec::Notify { targets } => Action::Notify {
                        targets: targets.clone(),
                    },
                    ActionSpec::BlockUser { duration } => match sig.user {
                        Some(user) => Action::BlockUser {
                            user,
                            duration_ms: duration.ms(),
                            except_devices: if self.lockout.iter().any(|n| sig.kind.matches(n)) {
                                occ.known_devices.to_vec()
                            } else {
                                Vec::new()
                            },
                        },
                        None => continue,
                    },
                    ActionSpec::BlockIp { duration } => {
                        let (Some(ip), Some(st)) = (sig.ip, ip_state.as_deref_mut()) else {
                            continue;
                        };
                        match escalate(st, now, duration.ms(), esc, shadow) {
                            Some(duration_ms) => Action::BlockIp { ip, duration_ms },
                            None => continue,
                        }
                    }
                    ActionSpec::ChallengeUser { duration } => match sig.user {
                        Some(user) => Action::ChallengeUser {
                            user,
                            duration_ms: duration.ms(),
                        },
                        None => continue,
                    },
                    ActionSpec::ChallengeIp { duration } => match sig.ip {
                        Some(ip) => Action::ChallengeIp {
                            ip,
                            duration_ms: duration.ms(),
                        },
                        None => continue,
                    },
                    ActionSpec::NotifyUser => match sig.user {
                        Some(user) => Action::NotifyUser {
                            user,
                            device: occ.device,
                            country: occ.country,
                        },
                        None => continue,
                    },
                };
                out.push(Effect::Playbook(PlaybookAction {
                    playbook: name.clone(),
                    trigger: fired.clone(),
                    action,
                    user: sig.user,
                    ip: sig.ip,
                    ts_ms: now,
                    reason: reason.clone(),
                    shadow,
                }));
            }
        }
    }

    /// Whether the trigger fires, and the cooldown subject (risk triggers are about the user;
    /// signal triggers about the signal's user and IP together, so each attacking IP is
    /// handled on its own).
    fn fires(
        trigger: &Trigger,
        occ: &Occasion<'_>,
    ) -> Option<(TriggerFired, Option<u128>, Option<IpAddr>)> {
        let sig = occ.signal;
        match trigger {
            Trigger::Signal { names } => names.iter().any(|n| sig.kind.matches(n)).then(|| {
                (
                    TriggerFired::Signal {
                        name: sig.kind.clone(),
                    },
                    sig.user,
                    sig.ip,
                )
            }),
            Trigger::RiskIncrease { points, window } => {
                let (before, after) = occ.user_risk?;
                if after <= before {
                    return None;
                }
                let increase = increase_within(occ.history, sig.ts_ms, window.ms());
                (increase > *points).then_some((
                    TriggerFired::RiskIncrease {
                        increase,
                        window_ms: window.ms(),
                    },
                    sig.user,
                    None,
                ))
            }
            Trigger::RiskAbove { score } => {
                let (before, after) = occ.user_risk?;
                (before < *score && after >= *score).then_some((
                    TriggerFired::RiskAbove { score: *score },
                    sig.user,
                    None,
                ))
            }
        }
    }

    fn reason(fired: &TriggerFired, sig: &Signal, user_risk: Option<(f64, f64)>) -> String {
        let who = match (sig.user, sig.ip) {
            (Some(u), Some(ip)) => format!("{} from {ip}", format_user(u)),
            (Some(u), None) => format_user(u),
            (None, Some(ip)) => ip.to_string(),
            (None, None) => "unknown subject".into(),
        };
        let after = user_risk.map_or(0.0, |r| r.1);
        match fired {
            TriggerFired::Signal { name } => format!("{name} by/on {who}"),
            TriggerFired::RiskIncrease {
                increase,
                window_ms,
            } => format!(
                "risk of {who} rose {increase:.1} points within {} to {after:.1} ({})",
                DurationMs(*window_ms),
                sig.kind
            ),
            TriggerFired::RiskAbove { score } => {
                format!(
                    "risk of {who} reached {after:.1} (above {score}) after {}",
                    sig.kind
                )
            }
        }
    }
}

/// Length of a new block of this IP, or `None` while it is still blocked. A repeat offender
/// (blocked before, within `reset_after` of that block's end) gets twice its last block, up to
/// `max_block`. A shadow block is computed the same way but changes nothing, so shadow
/// playbooks never alter what enforcing ones do.
fn escalate(
    st: &mut IpState,
    now: i64,
    base_ms: i64,
    esc: &EscalationConfig,
    shadow: bool,
) -> Option<i64> {
    let d = st.detail_mut();
    if d.block_until > now {
        return None;
    }
    let repeat = d.block_last_ms > 0 && now.saturating_sub(d.block_until) < esc.reset_after.ms();
    let duration = if repeat {
        d.block_last_ms
            .saturating_mul(2)
            .min(esc.max_block.ms())
            .max(base_ms.min(esc.max_block.ms()))
    } else {
        base_ms.min(esc.max_block.ms())
    };
    if shadow {
        return Some(duration);
    }
    d.block_last_ms = duration;
    d.block_until = now.saturating_add(duration);
    Some(duration)
}
