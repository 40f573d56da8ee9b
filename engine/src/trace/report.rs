//! What an evaluation found, the markdown table `vigil-trace evaluate` prints, and the gate
//! `make engine-eval` holds it to.

use std::collections::BTreeSet;
use std::fmt;

use serde::Serialize;

#[derive(Debug, Clone, Default, Serialize)]
pub struct KindReport {
    pub kind: String,
    pub episodes: usize,
    /// Episodes any of whose events raised a signal.
    pub signalled: usize,
    /// Episodes with a verdict: an enforced block or challenge touching them.
    pub verdicts: usize,
    /// `verdicts / episodes`.
    pub recall: f64,
    pub blocked: usize,
    pub challenged: usize,
    /// Milliseconds from an episode's first event to its first verdict, sorted.
    pub verdict_ms: Vec<i64>,
    /// The account owners' own login attempts once the attack had touched their account
    /// (from devices they had logged in from before), and how many of those a block in force
    /// would have refused.
    pub victim_logins: usize,
    pub victim_logins_refused: usize,
    /// Episodes after which the owner was challenged at their own login (the attacker's
    /// login moved where the engine thinks the owner is).
    pub victims_challenged: usize,
    /// Every signal name raised by this kind's events.
    pub signals: BTreeSet<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Evaluation {
    /// Trace records replayed.
    pub events: usize,
    /// Challenge outcomes the evaluator fed back, as the application would have reported them.
    pub challenges_passed: usize,
    pub challenges_failed: usize,
    pub effects: usize,
    pub kinds: Vec<KindReport>,
    /// Users and IPs of benign traffic in the window (not the warm-up).
    pub benign_users: usize,
    pub benign_ips: usize,
    /// Benign users no attack touched, named by a signal that benign traffic raised.
    pub benign_users_signalled: usize,
    /// Benign users asked to prove who they are (a challenge a benign person answered), not
    /// counting owners challenged because of an attack on their account (`victims_challenged`).
    pub benign_users_challenged: usize,
    /// Benign users blocked on a device they use; blocks that spare every device the user
    /// logged in from (a lockout exemption) are counted apart, as `_exempt`.
    pub benign_users_blocked: usize,
    pub benign_users_blocked_exempt: usize,
    pub benign_ips_blocked: usize,
    pub blocked_benign_ips: Vec<std::net::IpAddr>,
    pub benign_ips_challenged: usize,
    /// Benign login attempts made while a block in force applied to them.
    pub benign_logins_refused: usize,
}

/// Verdict recall the defaults cannot reach by design, per kind, and why. Every other kind
/// must have every episode blocked or challenged. Detection (a signal) is required of all.
pub const VERDICT_FLOORS: [(&str, f64, &str); 3] = [
    (
        "distributed_brute_force",
        0.0,
        "no address dominates, so no IP is blocked, and the defaults never lock an account \
         (lock-attacked-accounts is opt-in): the signal only opens an incident",
    ),
    (
        "signup_burst",
        0.0,
        "no built-in playbook acts on signup_burst: it is risk on the address only",
    ),
    (
        "disposable_email",
        0.0,
        "10 points and no built-in playbook acts on it; the new account has no history to \
         challenge",
    ),
];

pub fn verdict_floor(kind: &str) -> f64 {
    VERDICT_FLOORS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map_or(1.0, |f| f.1)
}

/// What `make engine-eval` requires.
#[derive(Debug, Clone, Serialize)]
pub struct Gate {
    /// Largest share of benign users that may be challenged.
    pub max_challenged: f64,
    /// Failures (their exact text) that are known engine issues, reported but allowed until
    /// fixed. Strict: a known issue that no longer happens fails the gate, so the exception
    /// is dropped as soon as the engine is fixed.
    pub known_issues: Vec<String>,
}

impl Default for Gate {
    fn default() -> Self {
        // Measured on seeds 1-20, 60 minutes: 1.1-1.6 % with 2 000 users, 0.8-2.1 % with 500
        // (where the 500 mobile users weigh more): travellers to a new country, mobile users
        // whose carrier geolocates far from home, VPN users switching to a far exit.
        Gate {
            max_challenged: 0.025,
            known_issues: Vec::new(),
        }
    }
}

/// The gate's verdict: what fails it, and the known issues that happened.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GateResult {
    pub failed: Vec<String>,
    pub known: Vec<String>,
}

impl GateResult {
    pub fn passed(&self) -> bool {
        self.failed.is_empty()
    }
}

impl Evaluation {
    pub fn challenged_share(&self) -> f64 {
        self.benign_users_challenged as f64 / self.benign_users.max(1) as f64
    }

    /// Every requirement of `gate` the evaluation misses.
    pub fn gate(&self, gate: &Gate) -> GateResult {
        let mut all = Vec::new();
        for k in &self.kinds {
            if k.signalled < k.episodes {
                all.push(format!(
                    "{}: {} of {} episodes raised no signal",
                    k.kind,
                    k.episodes - k.signalled,
                    k.episodes
                ));
            }
            let floor = verdict_floor(&k.kind);
            if k.recall < floor {
                all.push(format!(
                    "{}: verdict recall {:.2} below {floor:.2}",
                    k.kind, k.recall
                ));
            }
            if k.victim_logins_refused > 0 {
                all.push(format!(
                    "{}: {} of the victims' logins from known devices refused",
                    k.kind, k.victim_logins_refused
                ));
            }
        }
        if self.benign_users_blocked > 0 {
            all.push(format!(
                "{} benign users blocked",
                self.benign_users_blocked
            ));
        }
        for ip in &self.blocked_benign_ips {
            all.push(format!("benign IP {ip} blocked"));
        }
        if self.challenged_share() > gate.max_challenged {
            all.push(format!(
                "{:.2} % of benign users challenged, above {:.2} %",
                100.0 * self.challenged_share(),
                100.0 * gate.max_challenged
            ));
        }
        let (known, mut failed): (Vec<_>, Vec<_>) =
            all.into_iter().partition(|f| gate.known_issues.contains(f));
        for k in &gate.known_issues {
            if !known.contains(k) {
                failed.push(format!("known issue no longer happens (drop it): {k}"));
            }
        }
        GateResult { failed, known }
    }
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
            "| episode kind | episodes | signalled | recall (floor) | blocked | challenged \
             | time to verdict, median / max | victim logins refused | owners challenged \
             | signals |"
        )?;
        writeln!(f, "|---|--:|--:|--:|--:|--:|--:|--:|--:|---|")?;
        for k in &self.kinds {
            let floor = verdict_floor(&k.kind);
            let floor = if floor < 1.0 {
                format!(" ({floor:.2})")
            } else {
                String::new()
            };
            writeln!(
                f,
                "| {} | {} | {} | {:.2}{floor} | {} | {} | {} | {} / {} | {} | {} |",
                k.kind,
                k.episodes,
                k.signalled,
                k.recall,
                k.blocked,
                k.challenged,
                median_max(&k.verdict_ms),
                k.victim_logins_refused,
                k.victim_logins,
                k.victims_challenged,
                k.signals.iter().cloned().collect::<Vec<_>>().join(", ")
            )?;
        }
        writeln!(f)?;
        writeln!(f, "| benign traffic (window) | |")?;
        writeln!(f, "|---|--:|")?;
        let rows = [
            ("users", self.benign_users.to_string()),
            ("IPs", self.benign_ips.to_string()),
            (
                "users challenged",
                format!(
                    "{} ({:.2} %)",
                    self.benign_users_challenged,
                    100.0 * self.challenged_share()
                ),
            ),
            ("users blocked", self.benign_users_blocked.to_string()),
            (
                "users blocked, every known device exempt",
                self.benign_users_blocked_exempt.to_string(),
            ),
            ("IPs blocked", self.benign_ips_blocked.to_string()),
            ("IPs challenged", self.benign_ips_challenged.to_string()),
            (
                "login attempts refused",
                self.benign_logins_refused.to_string(),
            ),
            (
                "users with a signal",
                self.benign_users_signalled.to_string(),
            ),
        ];
        for (name, value) in rows {
            writeln!(f, "| {name} | {value} |")?;
        }
        writeln!(f)?;
        write!(
            f,
            "events: {} (+{} challenge answers: {} passed, {} failed), effects: {}",
            self.events,
            self.challenges_passed + self.challenges_failed,
            self.challenges_passed,
            self.challenges_failed,
            self.effects
        )
    }
}
