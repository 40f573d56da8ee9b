//! Scoring a replay against the trace's labels: episodes and their verdicts, blocks in
//! force and the logins they refuse, benign users challenged or blocked; and the answers to
//! challenges, as the application would give them.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::net::IpAddr;

use vigil_protocol::DeviceId;

use super::format::{TraceKind, TraceRecord, BENIGN, WARMUP};
use super::report::{Evaluation, KindReport};
use crate::effect::{Action, Effect};

/// How long after a challenge its outcome comes back: the owner reads the code and types it;
/// the attacker tries and gives up. Fixed, so the replay stays deterministic.
const PASS_AFTER_MS: i64 = 15_000;
const FAIL_AFTER_MS: i64 = 30_000;

pub(super) fn label(r: &TraceRecord) -> &str {
    r.label.as_deref().unwrap_or(BENIGN)
}

fn kind_of(label: &str) -> &str {
    label.split('#').next().unwrap_or(label)
}

fn is_login(r: &TraceRecord) -> bool {
    matches!(r.kind, TraceKind::AuthSuccess | TraceKind::AuthFailure)
}

#[derive(Default)]
struct Episode {
    start: i64,
    signalled: bool,
    verdict: Option<i64>,
    blocked: bool,
    challenged: bool,
    victim_logins: usize,
    victim_refused: usize,
    victims_challenged: bool,
}

/// Everything the replay keeps to score it.
#[derive(Default)]
pub(super) struct Score {
    /// Users and IPs of benign traffic: in the window, and including the warm-up.
    window_users: HashSet<u128>,
    window_ips: HashSet<IpAddr>,
    people: HashSet<u128>,
    benign_ips: HashSet<IpAddr>,
    episodes: BTreeMap<String, Episode>,
    signals: BTreeMap<String, BTreeSet<String>>,
    /// Users an attack has touched so far, with the latest episode touching them: a victim's
    /// own login can complete an attack's window, and what it raises belongs to that attack.
    targeted: HashMap<u128, String>,
    /// Users an attacker logged in as, with the episode: the engine now places the owner
    /// where the attacker was, so the owner's own next login can be challenged for it.
    entered: HashMap<u128, String>,
    /// Devices each benign user has logged in from.
    devices: HashMap<u128, HashSet<DeviceId>>,
    /// Blocks in force: until when, and the devices a user block spares.
    user_blocks: HashMap<u128, (i64, Vec<DeviceId>)>,
    ip_blocks: HashMap<IpAddr, i64>,
    signalled: HashSet<u128>,
    challenged: HashSet<u128>,
    blocked: HashSet<u128>,
    blocked_exempt: HashSet<u128>,
    blocked_ips: HashSet<IpAddr>,
    challenged_ips: HashSet<IpAddr>,
    refused: usize,
    events: usize,
    passed: usize,
    failed: usize,
    effects: usize,
}

impl Score {
    pub(super) fn new(records: &[TraceRecord]) -> Self {
        let mut s = Score::default();
        for r in records {
            match label(r) {
                BENIGN => {
                    s.window_users.extend(r.user.iter().chain(&r.previous));
                    s.window_ips.extend(r.ip);
                }
                WARMUP => {}
                _ => continue,
            }
            s.people.extend(r.user.iter().chain(&r.previous));
            s.benign_ips.extend(r.ip);
        }
        s
    }

    /// The episode an effect about `subject` (a user) belongs to: its event's, or, for a
    /// benign event, the attack that last touched that user. An effect of a benign event
    /// about no user (an IP block) is benign traffic's own.
    fn owner(&self, r: &TraceRecord, subject: Option<u128>) -> Option<String> {
        match label(r) {
            WARMUP => None,
            BENIGN => subject.and_then(|u| self.targeted.get(&u)).cloned(),
            l => Some(l.to_string()),
        }
    }

    /// Before a trace record is processed: its episode, and whether a block in force would
    /// have refused it (the replay goes on either way: the trace is what happened).
    pub(super) fn before(&mut self, r: &TraceRecord) {
        self.events += 1;
        let lbl = label(r);
        if lbl != BENIGN && lbl != WARMUP {
            self.episodes
                .entry(lbl.to_string())
                .or_insert_with(|| Episode {
                    start: r.ts_ms,
                    ..Default::default()
                });
            if let Some(u) = r.user {
                self.targeted.insert(u, lbl.to_string());
                if r.kind == TraceKind::AuthSuccess {
                    self.entered.insert(u, lbl.to_string());
                }
            }
            return;
        }
        if lbl != BENIGN || !is_login(r) {
            return;
        }
        let now = r.ts_ms;
        let by_ip =
            r.ip.is_some_and(|ip| self.ip_blocks.get(&ip).is_some_and(|&t| t > now));
        let by_user = r.user.is_some_and(|u| {
            self.user_blocks.get(&u).is_some_and(|(until, spared)| {
                *until > now && !r.device.is_some_and(|d| spared.contains(&d))
            })
        });
        let refused = by_ip || by_user;
        self.refused += usize::from(refused);
        let (Some(u), Some(d)) = (r.user, r.device) else {
            return;
        };
        let known = self.devices.get(&u).is_some_and(|s| s.contains(&d));
        if let (true, Some(ep)) = (
            known,
            self.targeted.get(&u).and_then(|l| self.episodes.get_mut(l)),
        ) {
            ep.victim_logins += 1;
            ep.victim_refused += usize::from(refused);
        }
    }

    /// After an event: what the trace now knows of the user's devices.
    pub(super) fn after(&mut self, r: &TraceRecord) {
        let benign = matches!(label(r), BENIGN | WARMUP);
        if let (true, TraceKind::AuthSuccess, Some(u), Some(d)) = (benign, r.kind, r.user, r.device)
        {
            self.devices.entry(u).or_default().insert(d);
        }
    }

    /// Scores one effect of `r`; returns the challenge answer to feed back, if it asks one.
    pub(super) fn effect(&mut self, r: &TraceRecord, e: &Effect) -> Option<TraceRecord> {
        self.effects += 1;
        let lbl = label(r);
        let window = lbl != WARMUP;
        let p = match e {
            Effect::Signal(s) => {
                if let Some(o) = &self.owner(r, s.user) {
                    if let Some(ep) = self.episodes.get_mut(o) {
                        ep.signalled = true;
                    }
                    let kind = kind_of(o).to_string();
                    self.signals
                        .entry(kind)
                        .or_default()
                        .insert(s.kind.to_string());
                } else if let (true, Some(u)) = (window, s.user) {
                    if self.people.contains(&u) {
                        self.signalled.insert(u);
                    }
                }
                return None;
            }
            Effect::Playbook(p) if !p.shadow => p,
            _ => return None,
        };
        let now = p.ts_ms;
        match &p.action {
            Action::BlockUser {
                user,
                duration_ms,
                except_devices,
            } => {
                self.user_blocks
                    .insert(*user, (now + duration_ms, except_devices.clone()));
                if window && self.people.contains(user) {
                    let spared = self
                        .devices
                        .get(user)
                        .is_some_and(|ds| ds.iter().all(|d| except_devices.contains(d)));
                    if spared {
                        self.blocked_exempt.insert(*user);
                    } else {
                        self.blocked.insert(*user);
                    }
                }
                self.verdict(self.owner(r, Some(*user)), now, true);
            }
            Action::BlockIp { ip, duration_ms } => {
                self.ip_blocks.insert(*ip, now + duration_ms);
                if window && self.benign_ips.contains(ip) {
                    self.blocked_ips.insert(*ip);
                }
                self.verdict(self.owner(r, None), now, true);
            }
            Action::ChallengeIp { ip, .. } => {
                if window && self.benign_ips.contains(ip) {
                    self.challenged_ips.insert(*ip);
                }
                self.verdict(self.owner(r, None), now, false);
            }
            Action::ChallengeUser { user, .. } => {
                // Whoever is in the session that raised it answers: an owner who passes
                // stops nobody, so only an attacker's own challenge is a verdict.
                let attacker = lbl != BENIGN && lbl != WARMUP;
                if attacker {
                    self.verdict(Some(lbl.to_string()), now, false);
                    self.failed += 1;
                } else {
                    // An owner challenged after an attacker logged in as them is the attack's
                    // cost, counted with its kind; others are false positives.
                    let after = (lbl == BENIGN)
                        .then(|| r.user.and_then(|u| self.entered.get(&u)))
                        .flatten();
                    match after.and_then(|o| self.episodes.get_mut(o)) {
                        Some(ep) => ep.victims_challenged = true,
                        None if window => {
                            self.challenged.insert(*user);
                        }
                        None => {}
                    }
                    self.passed += 1;
                }
                let mut a = TraceRecord::new(
                    now + if attacker {
                        FAIL_AFTER_MS
                    } else {
                        PASS_AFTER_MS
                    },
                    TraceKind::Challenge,
                );
                a.user = Some(*user);
                a.ip = r.ip;
                a.device = r.device;
                a.result = Some(if attacker { "failed" } else { "succeeded" }.into());
                a.label = r.label.clone();
                return Some(a);
            }
            _ => {}
        }
        None
    }

    fn verdict(&mut self, owner: Option<String>, now: i64, block: bool) {
        let Some(ep) = owner.and_then(|o| self.episodes.get_mut(&o)) else {
            return;
        };
        ep.verdict.get_or_insert(now);
        if block {
            ep.blocked = true;
        } else {
            ep.challenged = true;
        }
    }

    pub(super) fn finish(self) -> Evaluation {
        let mut kinds: BTreeMap<String, KindReport> = BTreeMap::new();
        for (lbl, ep) in &self.episodes {
            let k = kinds.entry(kind_of(lbl).to_string()).or_default();
            k.episodes += 1;
            k.signalled += usize::from(ep.signalled);
            k.blocked += usize::from(ep.blocked);
            k.challenged += usize::from(ep.challenged);
            if let Some(t) = ep.verdict {
                k.verdicts += 1;
                k.verdict_ms.push(t - ep.start);
            }
            k.victim_logins += ep.victim_logins;
            k.victims_challenged += usize::from(ep.victims_challenged);
            k.victim_logins_refused += ep.victim_refused;
        }
        let mut signals = self.signals;
        let mut blocked_ips: Vec<IpAddr> = self.blocked_ips.iter().copied().collect();
        blocked_ips.sort_unstable();
        let kinds = kinds
            .into_iter()
            .map(|(kind, mut k)| {
                k.recall = k.verdicts as f64 / k.episodes.max(1) as f64;
                k.verdict_ms.sort_unstable();
                k.signals = signals.remove(&kind).unwrap_or_default();
                k.kind = kind;
                k
            })
            .collect();
        Evaluation {
            events: self.events,
            challenges_passed: self.passed,
            challenges_failed: self.failed,
            effects: self.effects,
            kinds,
            benign_users: self.window_users.len(),
            benign_ips: self.window_ips.len(),
            benign_users_signalled: self.signalled.len(),
            benign_users_challenged: self.challenged.len(),
            benign_users_blocked: self.blocked.len(),
            benign_users_blocked_exempt: self.blocked_exempt.len(),
            benign_ips_blocked: blocked_ips.len(),
            blocked_benign_ips: blocked_ips,
            benign_ips_challenged: self.challenged_ips.len(),
            benign_logins_refused: self.refused,
        }
    }
}
