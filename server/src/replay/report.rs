//! The replay's answer: what `--json` prints, and what text.rs renders.

use std::collections::HashMap;

use serde::Serialize;
use vigil_engine::Subject;
use vigil_protocol::wire::format_ts;

use super::compare::{subject_text, BanChange, Comparison, Times};
use super::record::{BanAction, Run};

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The window, as given (`7d`).
    pub since: String,
    /// Events with a timestamp from here on were replayed.
    pub since_ms: i64,
    /// What each side is: a file, or the built-in defaults.
    pub current: String,
    pub candidate: String,
    pub apps: Vec<AppReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AppReport {
    pub app_id: i64,
    pub app: String,
    pub events: u64,
    /// The first and last event timestamps replayed.
    pub first_event: Option<String>,
    pub last_event: Option<String>,
    pub current: Totals,
    pub candidate: Totals,
    pub bans_added: BanList,
    pub bans_removed: BanList,
    pub benign_users_affected: AffectedList,
    pub time_to_block: TimeToBlock,
    pub shadow: Shadow,
}

#[derive(Debug, Clone, Serialize)]
pub struct Totals {
    pub signals: u64,
    /// Distinct (scope, value, action) bans.
    pub bans: usize,
    /// Blocks and challenges made, repeats included.
    pub decisions: u64,
    pub incidents: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct BanList {
    pub count: usize,
    /// The first ones, by time.
    pub examples: Vec<BanItem>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BanItem {
    pub scope: &'static str,
    /// The user key or the IP.
    pub value: String,
    /// The user's display (users table), when stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    pub action: &'static str,
    pub playbook: String,
    pub first: String,
    pub first_ms: i64,
    pub times: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct AffectedList {
    pub count: usize,
    pub users: Vec<AffectedItem>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AffectedItem {
    pub user: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    pub actions: Vec<&'static str>,
    pub playbook: String,
    pub first: String,
    pub first_ms: i64,
    pub successful_logins: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct TimeToBlock {
    pub incidents: usize,
    pub current: TimesItem,
    pub candidate: TimesItem,
    /// Candidate minus current, when both blocked something.
    pub change: Change,
    pub examples: Vec<IncidentItem>,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct TimesItem {
    pub blocked: usize,
    pub median_ms: Option<i64>,
    pub max_ms: Option<i64>,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Change {
    pub median_ms: Option<i64>,
    pub max_ms: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IncidentItem {
    pub scope: &'static str,
    pub value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    pub first_signal: String,
    pub first_signal_ms: i64,
    /// `null`: not blocked or challenged in the window.
    pub current_ms: Option<i64>,
    pub candidate_ms: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Shadow {
    pub current: Vec<ShadowItem>,
    pub candidate: Vec<ShadowItem>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ShadowItem {
    pub playbook: String,
    pub action: &'static str,
    pub count: u64,
}

/// One app's replay, ready to report.
pub struct AppRun<'a> {
    pub app_id: i64,
    pub app: &'a str,
    pub events: u64,
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
    pub current: &'a Run,
    pub candidate: &'a Run,
    pub comparison: &'a Comparison,
    /// Displays of the users shown (`compare::users_shown`).
    pub displays: &'a HashMap<u128, String>,
}

fn scope_value(subject: &Subject) -> (&'static str, String) {
    let scope = match subject {
        Subject::User(_) => "user",
        Subject::Ip(_) => "ip",
    };
    (scope, subject_text(subject))
}

impl AppRun<'_> {
    fn display(&self, subject: &Subject) -> Option<String> {
        match subject {
            Subject::User(u) => self.displays.get(u).cloned(),
            Subject::Ip(_) => None,
        }
    }

    fn bans(&self, list: &[BanChange], n: usize) -> BanList {
        let examples = list
            .iter()
            .take(n)
            .map(|c| {
                let (scope, value) = scope_value(&c.ban.subject);
                BanItem {
                    scope,
                    value,
                    display: self.display(&c.ban.subject),
                    action: c.ban.action.name(),
                    playbook: c.playbook.to_string(),
                    first: format_ts(c.first_ms),
                    first_ms: c.first_ms,
                    times: c.times,
                }
            })
            .collect();
        BanList {
            count: list.len(),
            examples,
        }
    }

    pub fn report(&self, n: usize) -> AppReport {
        let c = self.comparison;
        let affected = c.affected.iter().take(n).map(|a| AffectedItem {
            user: subject_text(&Subject::User(a.user)),
            display: self.displays.get(&a.user).cloned(),
            actions: a.actions.iter().map(|x| BanAction::name(*x)).collect(),
            playbook: a.playbook.to_string(),
            first: format_ts(a.first_ms),
            first_ms: a.first_ms,
            successful_logins: a.logins,
        });
        let incidents = c.incidents.iter().take(n).map(|i| {
            let (scope, value) = scope_value(&i.subject);
            IncidentItem {
                scope,
                value,
                display: self.display(&i.subject),
                first_signal: format_ts(i.first_signal_ms),
                first_signal_ms: i.first_signal_ms,
                current_ms: i.current_ms,
                candidate_ms: i.candidate_ms,
            }
        });
        let diff = |a: Option<i64>, b: Option<i64>| Some(b? - a?);
        AppReport {
            app_id: self.app_id,
            app: self.app.to_owned(),
            events: self.events,
            first_event: self.first_ms.map(format_ts),
            last_event: self.last_ms.map(format_ts),
            current: totals(self.current),
            candidate: totals(self.candidate),
            bans_added: self.bans(&c.added, n),
            bans_removed: self.bans(&c.removed, n),
            benign_users_affected: AffectedList {
                count: c.affected.len(),
                users: affected.collect(),
            },
            time_to_block: TimeToBlock {
                incidents: c.incidents.len(),
                current: times_item(c.current),
                candidate: times_item(c.candidate),
                change: Change {
                    median_ms: diff(c.current.median_ms, c.candidate.median_ms),
                    max_ms: diff(c.current.max_ms, c.candidate.max_ms),
                },
                examples: incidents.collect(),
            },
            shadow: Shadow {
                current: shadow(self.current),
                candidate: shadow(self.candidate),
            },
        }
    }
}

fn totals(run: &Run) -> Totals {
    Totals {
        signals: run.signals,
        bans: run.bans.len(),
        decisions: run.decisions,
        incidents: run.incidents.len(),
    }
}

fn times_item(t: Times) -> TimesItem {
    TimesItem {
        blocked: t.blocked,
        median_ms: t.median_ms,
        max_ms: t.max_ms,
    }
}

fn shadow(run: &Run) -> Vec<ShadowItem> {
    run.shadow
        .iter()
        .map(|((playbook, action), &count)| ShadowItem {
            playbook: playbook.clone(),
            action,
            count,
        })
        .collect()
}
