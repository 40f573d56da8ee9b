//! How the pages write times, scores and identifiers.

use std::collections::BTreeMap;

use time::macros::format_description;
use time::OffsetDateTime;

/// `2026-11-22 07:40:12` (UTC, as every time on the dashboard).
pub fn ts(ms: i64) -> String {
    let fmt = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&fmt).ok())
        .unwrap_or_else(|| ms.to_string())
}

/// `3 min ago`, `in 2 h`: how far `ms` is from `now`, roughly.
pub fn relative(ms: i64, now: i64) -> String {
    let d = (now - ms) / 1000;
    let (n, unit) = match d.abs() {
        s if s < 60 => (s, "s"),
        s if s < 3600 => (s / 60, "min"),
        s if s < 86_400 => (s / 3600, "h"),
        s => (s / 86_400, "d"),
    };
    if d >= 0 {
        format!("{n} {unit} ago")
    } else {
        format!("in {n} {unit}")
    }
}

pub fn expiry(expires_ms: Option<i64>, now: i64) -> String {
    match expires_ms {
        None => "never".into(),
        Some(ms) => format!("{} ({})", ts(ms), relative(ms, now)),
    }
}

/// A length of time in its largest whole unit: `90 s`, `10 min`, `1 d`.
pub fn span(ms: i64) -> String {
    let s = ms / 1000;
    match s {
        s if s % 86_400 == 0 && s > 0 => format!("{} d", s / 86_400),
        s if s % 3600 == 0 && s > 0 => format!("{} h", s / 3600),
        s if s % 60 == 0 && s > 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

pub fn score(risk: f64) -> String {
    format!("{risk:.1}")
}

/// A CSS class for a risk score: what the colour of the number says.
pub fn risk_class(risk: f64) -> &'static str {
    match risk {
        r if r >= 50.0 => "risk-high",
        r if r >= 10.0 => "risk-mid",
        _ => "risk-low",
    }
}

/// A user's identifiers (a JSON object in storage), keys in order.
pub fn ids(json: &str) -> Vec<(String, String)> {
    serde_json::from_str::<BTreeMap<String, String>>(json)
        .map(|m| m.into_iter().collect())
        .unwrap_or_default()
}

/// Where a decision came from: `manual` for the admin API and the dashboard, otherwise the
/// playbook's name.
pub fn origin(source: &str) -> String {
    match source.strip_prefix("playbook:") {
        Some(p) => format!("playbook {p}"),
        None => "manual".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_origins() {
        assert_eq!(ts(0), "1970-01-01 00:00:00");
        assert_eq!(ts(1_763_797_212_000), "2025-11-22 07:40:12");
        assert_eq!(relative(0, 90_000), "1 min ago");
        assert_eq!(relative(7_200_000, 0), "in 2 h");
        assert_eq!(expiry(None, 0), "never");
        assert_eq!(span(600_000), "10 min");
        assert_eq!(span(90_000), "90 s");
        assert_eq!(
            origin("playbook:block-attacking-ips"),
            "playbook block-attacking-ips"
        );
        assert_eq!(origin("admin"), "manual");
        assert_eq!(
            ids(r#"{"username":"al","email":"a@x.io"}"#),
            vec![
                ("email".into(), "a@x.io".into()),
                ("username".into(), "al".into())
            ]
        );
    }
}
