//! The replay's answer as text: the same fields as the JSON, in sections.

use std::fmt::Write;

use super::report::{AppReport, Report, ShadowItem, TimesItem};

/// `250ms`, `7s`, `7.5s`, `2m5s`, `3h`, `1d2h`.
pub fn human(ms: i64) -> String {
    if ms < 0 {
        return format!("-{}", human(-ms));
    }
    if ms == 0 {
        return "0s".into();
    }
    if ms < 1000 {
        return format!("{ms}ms");
    }
    if ms < 60_000 {
        let s = format!("{:.3}", ms as f64 / 1000.0);
        return format!("{}s", s.trim_end_matches('0').trim_end_matches('.'));
    }
    let mut rest = ms / 1000;
    let mut out = String::new();
    for (unit, secs) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if rest >= secs {
            let _ = write!(out, "{}{unit}", rest / secs);
            rest %= secs;
        }
    }
    out
}

fn signed(ms: i64) -> String {
    match ms {
        0 => "0s".into(),
        m if m > 0 => format!("+{}", human(m)),
        m => human(m),
    }
}

fn count(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

fn who(scope: &str, value: &str, display: &Option<String>) -> String {
    match display {
        Some(d) => format!("{scope} {d}"),
        None => format!("{scope} {value}"),
    }
}

fn more(out: &mut String, shown: usize, count: usize) {
    if count > shown {
        let _ = writeln!(out, "    ... and {} more", count - shown);
    }
}

fn times_line(t: &TimesItem, incidents: usize) -> String {
    match (t.median_ms, t.max_ms) {
        (Some(median), Some(max)) => format!(
            "{} of {incidents} blocked, median {}, max {}",
            t.blocked,
            human(median),
            human(max)
        ),
        _ => format!("0 of {incidents} blocked"),
    }
}

fn shadow_line(items: &[ShadowItem]) -> String {
    if items.is_empty() {
        return "none".into();
    }
    let parts: Vec<String> = items
        .iter()
        .map(|s| format!("{} {} x{}", s.playbook, s.action, s.count))
        .collect();
    parts.join(", ")
}

fn after(ms: Option<i64>) -> String {
    ms.map_or_else(|| "not blocked".into(), human)
}

/// The text form.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "replay of the last {}: current {}, candidate {}",
        r.since, r.current, r.candidate
    );
    for a in &r.apps {
        render_app(&mut out, a);
    }
    out
}

fn render_app(out: &mut String, a: &AppReport) {
    let _ = writeln!(out);
    match (&a.first_event, &a.last_event) {
        (Some(first), Some(last)) => {
            let _ = writeln!(
                out,
                "app {} (id {}): {}, {first} to {last}",
                a.app,
                a.app_id,
                count(a.events, "event")
            );
        }
        _ => {
            let _ = writeln!(
                out,
                "app {} (id {}): no events in the window",
                a.app, a.app_id
            );
            return;
        }
    }
    for (name, t) in [("current:  ", &a.current), ("candidate:", &a.candidate)] {
        let _ = writeln!(
            out,
            "  {name} signals {}, bans {} (decisions {}), incidents {}",
            t.signals, t.bans, t.decisions, t.incidents
        );
    }
    for (title, list) in [
        ("bans added", &a.bans_added),
        ("bans removed", &a.bans_removed),
    ] {
        let _ = writeln!(out, "  {title}: {}", list.count);
        for b in &list.examples {
            let _ = writeln!(
                out,
                "    {} {}  by {}, first {}, {}x",
                b.action,
                who(b.scope, &b.value, &b.display),
                b.playbook,
                b.first,
                b.times
            );
        }
        more(out, list.examples.len(), list.count);
    }
    let affected = &a.benign_users_affected;
    let _ = writeln!(out, "  benign-looking users affected: {}", affected.count);
    for u in &affected.users {
        let _ = writeln!(
            out,
            "    {}  {} by {}, first {}, {}, no attack signal",
            u.display.as_deref().unwrap_or(&u.user),
            u.actions.join("+"),
            u.playbook,
            u.first,
            count(u.successful_logins as u64, "successful login")
        );
    }
    more(out, affected.users.len(), affected.count);
    let t = &a.time_to_block;
    let _ = writeln!(
        out,
        "  time to block: {}, from each subject's first signal under either configuration",
        count(t.incidents as u64, "incident")
    );
    let _ = writeln!(
        out,
        "    current:   {}",
        times_line(&t.current, t.incidents)
    );
    let _ = writeln!(
        out,
        "    candidate: {}",
        times_line(&t.candidate, t.incidents)
    );
    if let (Some(median), Some(max)) = (t.change.median_ms, t.change.max_ms) {
        let _ = writeln!(
            out,
            "    change:    median {}, max {}",
            signed(median),
            signed(max)
        );
    }
    for i in &t.examples {
        let _ = writeln!(
            out,
            "    {}  first signal {}, current {}, candidate {}",
            who(i.scope, &i.value, &i.display),
            i.first_signal,
            after(i.current_ms),
            after(i.candidate_ms)
        );
    }
    more(out, t.examples.len(), t.incidents);
    let _ = writeln!(out, "  shadow playbooks (would have done):");
    let _ = writeln!(out, "    current:   {}", shadow_line(&a.shadow.current));
    let _ = writeln!(out, "    candidate: {}", shadow_line(&a.shadow.candidate));
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::super::report::AppRun;
    use super::*;

    #[test]
    fn human_durations() {
        assert_eq!(human(0), "0s");
        assert_eq!(human(250), "250ms");
        assert_eq!(human(7_000), "7s");
        assert_eq!(human(7_500), "7.5s");
        assert_eq!(human(125_000), "2m5s");
        assert_eq!(human(3 * 3_600_000), "3h");
        assert_eq!(human(93_600_000), "1d2h");
        assert_eq!(signed(-7_000), "-7s");
        assert_eq!(signed(500), "+500ms");
        assert_eq!(signed(0), "0s");
    }

    #[test]
    fn renders_every_section() {
        use super::super::compare::compare;
        use super::super::compare::tests::{logins, runs, TYPO, VICTIM};

        let (current, candidate) = runs();
        let comparison = compare(&current, &candidate, &logins());
        let displays = HashMap::from([
            (TYPO, "typo@example.com".to_owned()),
            (VICTIM, "victim@example.com".to_owned()),
        ]);
        let run = AppRun {
            app_id: 1,
            app: "shop",
            events: 40,
            first_ms: Some(0),
            last_ms: Some(41_000),
            current: &current,
            candidate: &candidate,
            comparison: &comparison,
            displays: &displays,
        };
        let report = Report {
            since: "7d".into(),
            since_ms: 0,
            current: "vigil.toml".into(),
            candidate: "candidate.toml".into(),
            apps: vec![run.report(2)],
        };
        let shared = vigil_engine::keys::format_user(super::super::compare::tests::SHARED);
        let expected = format!(
            "\
replay of the last 7d: current vigil.toml, candidate candidate.toml

app shop (id 1): 40 events, 1970-01-01T00:00:00.000Z to 1970-01-01T00:00:41.000Z
  current:   signals 3, bans 4 (decisions 4), incidents 0
  candidate: signals 4, bans 4 (decisions 4), incidents 1
  bans added: 2
    block user typo@example.com  by lock-attacked-accounts, first 1970-01-01T00:00:20.000Z, 1x
    block user {shared}  by lock-attacked-accounts, first 1970-01-01T00:00:40.000Z, 1x
  bans removed: 2
    block ip 203.0.113.9  by block-attacking-ips, first 1970-01-01T00:00:10.000Z, 1x
    block ip 198.51.100.66  by block-attacking-ips, first 1970-01-01T00:00:30.000Z, 1x
  benign-looking users affected: 1
    typo@example.com  block by lock-attacked-accounts, first 1970-01-01T00:00:20.000Z, 2 successful logins, no attack signal
  time to block: 5 incidents, from each subject's first signal under either configuration
    current:   4 of 5 blocked, median 3.5s, max 6s
    candidate: 3 of 5 blocked, median 0s, max 0s
    change:    median -3.5s, max -6s
    user victim@example.com  first signal 1970-01-01T00:00:04.000Z, current 6s, candidate 0s
    ip 203.0.113.9  first signal 1970-01-01T00:00:04.000Z, current 6s, candidate not blocked
    ... and 3 more
  shadow playbooks (would have done):
    current:   none
    candidate: none
"
        );
        assert_eq!(render(&report), expected);
        let json = serde_json::to_value(&report).unwrap();
        let app = &json["apps"][0];
        assert_eq!(
            app["bans_added"]["examples"][0]["display"],
            "typo@example.com"
        );
        assert!(app["bans_added"]["examples"][1].get("display").is_none());
        assert_eq!(app["time_to_block"]["change"]["median_ms"], -3500);
        assert_eq!(
            app["time_to_block"]["examples"][1]["candidate_ms"],
            serde_json::Value::Null
        );
        assert_eq!(
            app["benign_users_affected"]["users"][0]["actions"],
            serde_json::json!(["block"])
        );
    }
}
