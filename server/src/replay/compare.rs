//! The difference between two runs over the same events: bans one makes and the other does
//! not, the benign-looking users the candidate would ban, and how soon each incident is
//! blocked under each.

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

use vigil_engine::keys::format_user;
use vigil_engine::Subject;

use super::record::{Ban, BanAction, Logins, Run};

/// A ban one run makes and the other does not.
#[derive(Debug, Clone, PartialEq)]
pub struct BanChange {
    pub ban: Ban,
    pub first_ms: i64,
    pub playbook: Arc<str>,
    pub times: u32,
}

/// A user the candidate bans and the current configuration does not, who logged in
/// successfully and had no attack signal under the current configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Affected {
    pub user: u128,
    /// What the candidate does to them that the current does not, in order.
    pub actions: Vec<BanAction>,
    pub first_ms: i64,
    pub playbook: Arc<str>,
    pub logins: u32,
}

/// One incident: a subject with an `incident` action, or with a signal and a ban, under
/// either configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    pub subject: Subject,
    /// The subject's first signal under either configuration: both are timed from it.
    pub first_signal_ms: i64,
    /// Time from `first_signal_ms` to the subject's first block or challenge; `None`: never
    /// blocked or challenged in the window.
    pub current_ms: Option<i64>,
    pub candidate_ms: Option<i64>,
}

/// Time to block over the incidents, under one configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Times {
    pub blocked: usize,
    pub median_ms: Option<i64>,
    pub max_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Candidate only, by first time.
    pub added: Vec<BanChange>,
    /// Current only, by first time.
    pub removed: Vec<BanChange>,
    pub affected: Vec<Affected>,
    /// By first signal.
    pub incidents: Vec<Incident>,
    pub current: Times,
    pub candidate: Times,
}

/// A total order on subjects for stable output: users before IPs, then by text.
pub fn subject_text(subject: &Subject) -> String {
    match subject {
        Subject::User(u) => format_user(*u),
        Subject::Ip(ip) => ip.to_string(),
    }
}

fn sort_key(ban: &Ban) -> (u8, String, BanAction) {
    let scope = matches!(ban.subject, Subject::Ip(_)) as u8;
    (scope, subject_text(&ban.subject), ban.action)
}

/// Bans of `a` that `b` does not make, by first time.
fn only_in(a: &Run, b: &Run) -> Vec<BanChange> {
    let mut out: Vec<BanChange> = a
        .bans
        .iter()
        .filter(|(ban, _)| !b.bans.contains_key(ban))
        .map(|(ban, seen)| BanChange {
            ban: *ban,
            first_ms: seen.first_ms,
            playbook: seen.playbook.clone(),
            times: seen.times,
        })
        .collect();
    out.sort_by_key(|c| (c.first_ms, sort_key(&c.ban)));
    out
}

fn affected(added: &[BanChange], current: &Run, logins: &Logins) -> Vec<Affected> {
    let mut out: Vec<Affected> = Vec::new();
    for change in added {
        let Subject::User(user) = change.ban.subject else {
            continue;
        };
        if logins.of(user) == 0 || current.attacked.contains(&user) {
            continue;
        }
        match out.iter_mut().find(|a| a.user == user) {
            Some(a) => a.actions.push(change.ban.action),
            None => out.push(Affected {
                user,
                actions: vec![change.ban.action],
                first_ms: change.first_ms,
                playbook: change.playbook.clone(),
                logins: logins.of(user),
            }),
        }
    }
    out
}

fn incidents(current: &Run, candidate: &Run) -> Vec<Incident> {
    let mut subjects: HashSet<Subject> = HashSet::new();
    for run in [current, candidate] {
        subjects.extend(run.incidents.keys().copied());
        subjects.extend(
            run.first_ban
                .keys()
                .filter(|s| run.first_signal.contains_key(s))
                .copied(),
        );
    }
    let mut out: Vec<Incident> = subjects
        .into_iter()
        .filter_map(|subject| {
            let first = [current, candidate]
                .iter()
                .flat_map(|r| [r.first_signal.get(&subject), r.incidents.get(&subject)])
                .flatten()
                .copied()
                .min()?;
            let after = |r: &Run| r.first_ban.get(&subject).map(|&t| (t - first).max(0));
            Some(Incident {
                subject,
                first_signal_ms: first,
                current_ms: after(current),
                candidate_ms: after(candidate),
            })
        })
        .collect();
    out.sort_by_key(|i| {
        let scope = matches!(i.subject, Subject::Ip(_)) as u8;
        (i.first_signal_ms, scope, subject_text(&i.subject))
    });
    out
}

/// The median (of the two middle values, the mean) and the maximum.
pub fn times(values: impl Iterator<Item = Option<i64>>) -> Times {
    let mut v: Vec<i64> = values.flatten().collect();
    v.sort_unstable();
    let n = v.len();
    let median_ms = match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        _ => Some((v[n / 2 - 1] + v[n / 2]) / 2),
    };
    Times {
        blocked: n,
        median_ms,
        max_ms: v.last().copied(),
    }
}

pub fn compare(current: &Run, candidate: &Run, logins: &Logins) -> Comparison {
    let added = only_in(candidate, current);
    let removed = only_in(current, candidate);
    let affected = affected(&added, current, logins);
    let incidents = incidents(current, candidate);
    Comparison {
        current: times(incidents.iter().map(|i| i.current_ms)),
        candidate: times(incidents.iter().map(|i| i.candidate_ms)),
        added,
        removed,
        affected,
        incidents,
    }
}

/// Users whose display the report needs: those in the first `n` of each list.
pub fn users_shown(c: &Comparison, n: usize) -> BTreeSet<u128> {
    let bans = c.added.iter().take(n).chain(c.removed.iter().take(n));
    let ban_users = bans.filter_map(|b| match b.ban.subject {
        Subject::User(u) => Some(u),
        Subject::Ip(_) => None,
    });
    let incident_users = c.incidents.iter().take(n).filter_map(|i| match i.subject {
        Subject::User(u) => Some(u),
        Subject::Ip(_) => None,
    });
    ban_users
        .chain(c.affected.iter().take(n).map(|a| a.user))
        .chain(incident_users)
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use vigil_engine::{Action, SignalKind};

    use super::super::record::tests::{action, block_ip, block_user, signal};
    use super::*;

    const ATTACKER: &str = "203.0.113.9";
    const STUFFER: &str = "198.51.100.66";
    pub const VICTIM: u128 = 1;
    pub const TYPO: u128 = 2;
    pub const SHARED: u128 = 3;

    fn ip(s: &str) -> Subject {
        Subject::Ip(s.parse().unwrap())
    }

    pub fn logins() -> Logins {
        Logins([(VICTIM, 1), (TYPO, 2), (SHARED, 1)].into_iter().collect())
    }

    /// Current: brute force on the victim at 10 s and stuffing at 30 s, both IPs blocked at
    /// their signal, the victim locked. Candidate (lower brute-force threshold, no IP blocks):
    /// the brute force is seen and the victim locked at 4 s, the typo-prone user locked too,
    /// the stuffing IP never blocked.
    pub fn runs() -> (Run, Run) {
        let mut current = Run::default();
        current.record(&[
            signal(SignalKind::BruteForce, Some(VICTIM), Some(ATTACKER), 10_000),
            block_ip(ATTACKER, 10_000),
            block_user(VICTIM, 10_000),
        ]);
        current.record(&[
            signal(SignalKind::CredentialStuffing, None, Some(STUFFER), 30_000),
            block_ip(STUFFER, 30_000),
        ]);
        // SHARED was challenged from a new place by both, and brute-forced under current.
        current.record(&[
            signal(SignalKind::BruteForce, Some(SHARED), None, 40_000),
            action(
                "challenge-new-places",
                Action::ChallengeUser {
                    user: SHARED,
                    duration_ms: 1,
                },
                Some(SHARED),
                None,
                41_000,
            ),
        ]);
        let mut candidate = Run::default();
        candidate.record(&[
            signal(SignalKind::BruteForce, Some(VICTIM), Some(ATTACKER), 4_000),
            block_user(VICTIM, 4_000),
        ]);
        candidate.record(&[
            signal(SignalKind::BruteForce, Some(TYPO), None, 20_000),
            block_user(TYPO, 20_000),
            action(
                "suspicious-user-behaviors",
                Action::Incident,
                Some(TYPO),
                None,
                20_000,
            ),
        ]);
        candidate.record(&[signal(
            SignalKind::CredentialStuffing,
            None,
            Some(STUFFER),
            30_000,
        )]);
        candidate.record(&[
            signal(SignalKind::BruteForce, Some(SHARED), None, 40_000),
            block_user(SHARED, 40_000),
            action(
                "challenge-new-places",
                Action::ChallengeUser {
                    user: SHARED,
                    duration_ms: 1,
                },
                Some(SHARED),
                None,
                41_000,
            ),
        ]);
        (current, candidate)
    }

    fn change(subject: Subject, action: BanAction, first_ms: i64, playbook: &str) -> BanChange {
        BanChange {
            ban: Ban { subject, action },
            first_ms,
            playbook: playbook.into(),
            times: 1,
        }
    }

    #[test]
    fn bans_added_and_removed_are_matched_by_scope_value_and_action() {
        let (current, candidate) = runs();
        let c = compare(&current, &candidate, &logins());
        assert_eq!(
            c.added,
            vec![
                change(
                    Subject::User(TYPO),
                    BanAction::Block,
                    20_000,
                    "lock-attacked-accounts"
                ),
                change(
                    Subject::User(SHARED),
                    BanAction::Block,
                    40_000,
                    "lock-attacked-accounts"
                ),
            ],
            "the victim's lock is in both (at other times), so it is no change"
        );
        assert_eq!(
            c.removed,
            vec![
                change(
                    ip(ATTACKER),
                    BanAction::Block,
                    10_000,
                    "block-attacking-ips"
                ),
                change(ip(STUFFER), BanAction::Block, 30_000, "block-attacking-ips"),
            ]
        );
        // Each side of each difference.
        for a in &c.added {
            assert!(candidate.bans.contains_key(&a.ban) && !current.bans.contains_key(&a.ban));
        }
        for r in &c.removed {
            assert!(current.bans.contains_key(&r.ban) && !candidate.bans.contains_key(&r.ban));
        }
        let swapped = compare(&candidate, &current, &logins());
        assert_eq!(swapped.added, c.removed);
        assert_eq!(swapped.removed, c.added);
    }

    #[test]
    fn benign_users_logged_in_and_had_no_attack_signal_under_current() {
        let (current, candidate) = runs();
        let c = compare(&current, &candidate, &logins());
        // SHARED had a brute force under current: not benign-looking.
        assert_eq!(
            c.affected,
            vec![Affected {
                user: TYPO,
                actions: vec![BanAction::Block],
                first_ms: 20_000,
                playbook: "lock-attacked-accounts".into(),
                logins: 2,
            }]
        );
        // Without a successful login, the typo-prone user is not listed either.
        let none = Logins([(VICTIM, 1)].into_iter().collect());
        assert!(compare(&current, &candidate, &none).affected.is_empty());
    }

    #[test]
    fn time_to_block_from_the_first_signal_under_either_configuration() {
        let (current, candidate) = runs();
        let c = compare(&current, &candidate, &logins());
        let inc = |subject, first, cur, cand| Incident {
            subject,
            first_signal_ms: first,
            current_ms: cur,
            candidate_ms: cand,
        };
        assert_eq!(
            c.incidents,
            vec![
                // Seen at 4 s by the candidate, locked then; the current locks it at 10 s.
                inc(Subject::User(VICTIM), 4_000, Some(6_000), Some(0)),
                // The attacking IP's first signal is the candidate's too.
                inc(ip(ATTACKER), 4_000, Some(6_000), None),
                inc(Subject::User(TYPO), 20_000, None, Some(0)),
                inc(ip(STUFFER), 30_000, Some(0), None),
                inc(Subject::User(SHARED), 40_000, Some(1_000), Some(0)),
            ]
        );
        assert_eq!(
            c.current,
            Times {
                blocked: 4,
                median_ms: Some(3_500),
                max_ms: Some(6_000)
            }
        );
        assert_eq!(
            c.candidate,
            Times {
                blocked: 3,
                median_ms: Some(0),
                max_ms: Some(0)
            }
        );
    }

    #[test]
    fn a_signal_without_a_ban_or_incident_is_no_incident() {
        let mut run = Run::default();
        run.record(&[signal(SignalKind::NewDevice, Some(9), Some(ATTACKER), 1)]);
        let c = compare(&run, &Run::default(), &Logins::default());
        assert!(c.incidents.is_empty());
        assert_eq!(c.current, Times::default());
    }

    #[test]
    fn median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(
            times([Some(4), None, Some(1), Some(10), Some(2)].into_iter()),
            Times {
                blocked: 4,
                median_ms: Some(3),
                max_ms: Some(10)
            }
        );
    }

    #[test]
    fn users_shown_are_those_in_the_lists_printed() {
        let (current, candidate) = runs();
        let c = compare(&current, &candidate, &logins());
        assert_eq!(users_shown(&c, 1), BTreeSet::from([VICTIM, TYPO]));
        assert_eq!(users_shown(&c, 10), BTreeSet::from([VICTIM, TYPO, SHARED]));
    }
}
