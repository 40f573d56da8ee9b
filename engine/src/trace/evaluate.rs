//! Replays a labelled trace through the engine and scores it: per attack kind, how many
//! episodes were caught and how fast; and how many benign users or IPs were hit.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::net::IpAddr;

use serde::Serialize;

use super::format::TraceRecord;
use crate::effect::{Action, Effect};
use crate::{Engine, EngineError};

const BENIGN: &str = "benign";

#[derive(Debug, Clone, Default, Serialize)]
pub struct KindReport {
    pub kind: String,
    pub episodes: usize,
    pub caught: usize,
    pub blocked: usize,
    /// Milliseconds from an episode's first event to its first signal (caught ones only).
    pub detect_ms: Vec<i64>,
    /// Milliseconds from an episode's first event to its first block (blocked ones only).
    pub block_ms: Vec<i64>,
    /// Every signal name raised by this kind's events.
    pub signals: BTreeSet<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Evaluation {
    pub events: usize,
    pub effects: usize,
    pub kinds: Vec<KindReport>,
    pub benign_users: usize,
    pub benign_ips: usize,
    /// Benign users no attack touched, named by a signal that benign traffic raised
    /// (false positives).
    pub benign_users_flagged: usize,
    /// Benign users or IPs blocked, whatever caused it.
    pub benign_users_blocked: usize,
    pub benign_ips_blocked: usize,
}

impl Evaluation {
    pub fn all_caught(&self) -> bool {
        self.kinds.iter().all(|k| k.caught == k.episodes)
    }
}

#[derive(Default)]
struct Episode {
    start: i64,
    detected: Option<i64>,
    blocked: Option<i64>,
}

/// Replays `records` in order through `engine`, calling `tick` once per simulated minute.
/// `on_effect` sees every effect with the label of the event that caused it.
pub fn evaluate(
    records: &[TraceRecord],
    engine: &mut Engine,
    mut on_effect: impl FnMut(&str, &Effect),
) -> Result<Evaluation, EngineError> {
    let mut benign_users = HashSet::new();
    let mut benign_ips = HashSet::new();
    for r in records.iter().filter(|r| label(r) == BENIGN) {
        benign_users.extend(r.user);
        benign_users.extend(r.previous);
        benign_ips.extend(r.ip);
    }
    let mut episodes: BTreeMap<String, Episode> = BTreeMap::new();
    let mut kinds: BTreeMap<String, KindReport> = BTreeMap::new();
    let mut flagged: HashSet<u128> = HashSet::new();
    let mut blocked_users: HashSet<u128> = HashSet::new();
    let mut blocked_ips: HashSet<IpAddr> = HashSet::new();
    // Users an attack has touched so far, with the latest episode touching them: a victim's
    // own login can be the event that completes an attack's window, and the signal it raises
    // belongs to that attack, not to benign traffic.
    let mut targeted: HashMap<u128, String> = HashMap::new();
    let mut out = Vec::new();
    let mut effects = 0;
    let mut last_tick = records.first().map_or(0, |r| r.ts_ms);
    for (i, r) in records.iter().enumerate() {
        let event = r.to_event().map_err(|message| EngineError::Trace {
            line: i + 1,
            message,
        })?;
        if r.ts_ms - last_tick >= 60_000 {
            engine.tick(r.ts_ms, &mut out);
            last_tick = r.ts_ms;
        }
        let lbl = label(r);
        if lbl != BENIGN {
            episodes.entry(lbl.to_string()).or_insert_with(|| Episode {
                start: r.ts_ms,
                ..Default::default()
            });
            if let Some(u) = r.user {
                targeted.insert(u, lbl.to_string());
            }
        }
        out.clear();
        engine.process(&event, &mut out);
        effects += out.len();
        for e in &out {
            on_effect(lbl, e);
            let owner = match e {
                Effect::Signal(s) if lbl == BENIGN => s
                    .user
                    .and_then(|u| targeted.get(&u))
                    .map_or(lbl, String::as_str),
                _ => lbl,
            };
            let episode = episodes.get_mut(owner);
            match e {
                Effect::Signal(s) => {
                    if let Some(ep) = episode {
                        ep.detected.get_or_insert(s.ts_ms);
                        kinds
                            .entry(kind_of(owner).to_string())
                            .or_default()
                            .signals
                            .insert(s.kind.to_string());
                    } else if let Some(u) = s.user.filter(|u| benign_users.contains(u)) {
                        flagged.insert(u);
                    }
                }
                Effect::Playbook(p) if p.shadow => {}
                Effect::Playbook(p) => {
                    let ts = p.ts_ms;
                    let is_block = match &p.action {
                        Action::BlockUser { user, .. } => {
                            if benign_users.contains(user) {
                                blocked_users.insert(*user);
                            }
                            true
                        }
                        Action::BlockIp { ip, .. } => {
                            if benign_ips.contains(ip) {
                                blocked_ips.insert(*ip);
                            }
                            true
                        }
                        _ => false,
                    };
                    if let (true, Some(ep)) = (is_block, episode) {
                        ep.blocked.get_or_insert(ts);
                    }
                }
                Effect::RiskChanged(_) | Effect::ChallengePassed(_) => {}
            }
        }
    }
    for (lbl, ep) in &episodes {
        let k = kinds.entry(kind_of(lbl).to_string()).or_default();
        k.episodes += 1;
        if let Some(t) = ep.detected {
            k.caught += 1;
            k.detect_ms.push(t - ep.start);
        }
        if let Some(t) = ep.blocked {
            k.blocked += 1;
            k.block_ms.push(t - ep.start);
        }
    }
    let kinds = kinds
        .into_iter()
        .map(|(kind, mut k)| {
            k.kind = kind;
            k.detect_ms.sort_unstable();
            k.block_ms.sort_unstable();
            k
        })
        .collect();
    Ok(Evaluation {
        events: records.len(),
        effects,
        kinds,
        benign_users: benign_users.len(),
        benign_ips: benign_ips.len(),
        benign_users_flagged: flagged.len(),
        benign_users_blocked: blocked_users.len(),
        benign_ips_blocked: blocked_ips.len(),
    })
}

fn label(r: &TraceRecord) -> &str {
    r.label.as_deref().unwrap_or(BENIGN)
}

fn kind_of(label: &str) -> &str {
    label.split('#').next().unwrap_or(label)
}

/// `12s`, `3m05s`: short enough for a table column.
fn human(ms: i64) -> String {
    let s = ms / 1000;
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    }
}

fn median_max(v: &[i64]) -> String {
    match (v.get(v.len().saturating_sub(1) / 2), v.last()) {
        (Some(&m), Some(&x)) => format!("{} / {}", human(m), human(x)),
        _ => "-".into(),
    }
}

impl fmt::Display for Evaluation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<25} {:>8} {:>6} {:>17} {:>7} {:>17}  signals",
            "attack kind", "episodes", "caught", "detect med / max", "blocked", "block med / max"
        )?;
        for k in &self.kinds {
            writeln!(
                f,
                "{:<25} {:>8} {:>6} {:>17} {:>7} {:>17}  {}",
                k.kind,
                k.episodes,
                k.caught,
                median_max(&k.detect_ms),
                k.blocked,
                median_max(&k.block_ms),
                k.signals.iter().cloned().collect::<Vec<_>>().join(",")
            )?;
        }
        writeln!(
            f,
            "benign: {} users, {} IPs; users flagged by benign traffic: {}; users blocked: {}; IPs blocked: {}",
            self.benign_users,
            self.benign_ips,
            self.benign_users_flagged,
            self.benign_users_blocked,
            self.benign_ips_blocked
        )?;
        write!(f, "events: {}, effects: {}", self.events, self.effects)
    }
}
