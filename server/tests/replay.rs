//! `vigil-server replay` against a log a real server stored: a brute force from one IP, a
//! credential stuffing run, benign logins and a typo-prone user. The candidate lowers the
//! brute-force threshold (so the typo-prone user is locked out) and disables
//! block-attacking-ips (so neither attacking IP is blocked); a shadow playbook shows what it
//! would have challenged. Each side of each difference is checked against a real server
//! running that configuration over the same log.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use vigil_engine::DurationMs;
use vigil_protocol::wire::format_ts;
use vigil_server::config::Config;
use vigil_server::replay::{replay, report, text, ReplayOptions};

const LOCK: &str = r#"
[[engine.playbooks]]
name = "lock-attacked-accounts"
trigger = { type = "signal", names = ["brute_force", "distributed_brute_force"] }
actions = [{ type = "block_user", duration = "15m" }]
cooldown = "15m"
"#;

const CANDIDATE: &str = r#"
[engine.brute_force]
failures = 2

[[engine.playbooks]]
name = "block-attacking-ips"
enabled = false
trigger = { type = "signal", names = ["brute_force", "credential_stuffing", "account_enumeration"] }
actions = [{ type = "block_ip", duration = "1h" }]

[[engine.playbooks]]
name = "challenge-attacking-ips"
mode = "shadow"
trigger = { type = "signal", names = ["brute_force", "credential_stuffing"] }
actions = [{ type = "challenge_ip", duration = "30m" }]
cooldown = "10m"
"#;

const ATTACKER: &str = "203.0.113.9";
const STUFFER: &str = "198.51.100.66";
const CAROL_IP: &str = "192.0.2.50";
const USERS: usize = 24;

fn candidate_toml() -> String {
    format!("{LOCK}{CANDIDATE}")
}

/// 39 events, all within 450 s of `t0`.
fn log(t0: i64) -> Vec<Value> {
    let s = |secs: i64| t0 + secs * 1000;
    let mut events = Vec::new();
    // Brute force: 12 failures on the victim from one IP, a second apart.
    for i in 0..12 {
        events.push(event("auth.failure", "victim@example.com", ATTACKER, s(i)));
    }
    // Credential stuffing: one failure on each of 20 accounts from one IP.
    for i in 0..20 {
        let user = format!("stuffed{i}@example.com");
        events.push(event("auth.failure", &user, STUFFER, s(100 + i)));
    }
    // Benign users.
    events.push(event(
        "auth.success",
        "alice@example.com",
        "192.0.2.10",
        s(200),
    ));
    events.push(event(
        "auth.success",
        "bob@example.com",
        "192.0.2.11",
        s(210),
    ));
    events.push(event(
        "auth.success",
        "alice@example.com",
        "192.0.2.10",
        s(400),
    ));
    // Carol mistypes twice, then logs in, from home; later she logs in again.
    events.push(event("auth.failure", "carol@example.com", CAROL_IP, s(300)));
    events.push(event("auth.failure", "carol@example.com", CAROL_IP, s(305)));
    events.push(event("auth.success", "carol@example.com", CAROL_IP, s(310)));
    events.push(event("auth.success", "carol@example.com", CAROL_IP, s(450)));
    events
}

/// What a server running one configuration did with the log.
struct Observed {
    /// Live decisions as (scope, value, action).
    decisions: BTreeSet<(String, String, String)>,
    incidents: usize,
    /// Shadow runs as (playbook, action).
    shadow: Vec<(String, String)>,
}

async fn run_server(url: &str, config: &str, events: &[Value]) -> Observed {
    let mut s = TestServer::start_on(url, Config::from_toml_str(config).unwrap()).await;
    let (app, token) = s.create_app("shop").await;
    assert_eq!(s.post_batch(&token, events).await.status(), 202);
    // One batch is one runner step: its users are stored with its effects.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, users) = s
            .admin_get(&format!("/api/users?app={app}&limit=100"))
            .await;
        if users.as_array().map_or(0, Vec::len) == USERS {
            break;
        }
        assert!(Instant::now() < deadline, "events not processed: {users}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (_, decisions) = s.admin_get(&format!("/api/decisions?app={app}")).await;
    let (_, incidents) = s
        .admin_get(&format!("/api/incidents?app={app}&state=all"))
        .await;
    let (_, playbooks) = s.admin_get(&format!("/api/playbooks?app={app}")).await;
    s.stop().await;
    let text = |v: &Value| v.as_str().unwrap().to_owned();
    Observed {
        decisions: decisions
            .as_array()
            .unwrap()
            .iter()
            .map(|d| (text(&d["scope"]), text(&d["value"]), text(&d["action"])))
            .collect(),
        incidents: incidents.as_array().unwrap().len(),
        shadow: playbooks["runs"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["shadow"] == true)
            .map(|r| (text(&r["playbook"]), text(&r["action"])))
            .collect(),
    }
}

fn key(email: &str) -> String {
    identity(email).key().to_string()
}

fn ban(scope: &str, value: &str, action: &str) -> (String, String, String) {
    (scope.into(), value.into(), action.into())
}

/// The database's bytes (with its WAL, if one is left).
fn digest(db: &Path) -> Vec<u8> {
    let mut h = Sha256::new();
    for ext in ["", "-wal"] {
        let path = format!("{}{ext}", db.display());
        if let Ok(bytes) = std::fs::read(&path) {
            h.update(bytes);
        }
    }
    h.finalize().to_vec()
}

/// The digest once the stopped server's last checkpoint (its checkpointer ends on its own,
/// within 500 ms of the store being dropped) has left the file alone for a second.
async fn settled_digest(db: &Path) -> Vec<u8> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut last = digest(db);
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = digest(db);
        if now == last {
            return now;
        }
        assert!(Instant::now() < deadline, "the database keeps changing");
        last = now;
    }
}

fn expected_text(t0: i64, current: &Path, candidate: &Path) -> String {
    let ts = |secs: i64| format_ts(t0 + secs * 1000);
    format!(
        "\
replay of the last 7d: current {current}, candidate {candidate}

app shop (id 1): 39 events, {t0} to {t450}
  current:   signals 2, bans 3 (decisions 3), incidents 1
  candidate: signals 4, bans 2 (decisions 2), incidents 2
  bans added: 1
    block user carol@example.com  by lock-attacked-accounts, first {t305}, 1x
  bans removed: 2
    block ip {ATTACKER}  by block-attacking-ips, first {t9}, 1x
    block ip {STUFFER}  by block-attacking-ips, first {t119}, 1x
  benign-looking users affected: 1
    carol@example.com  block by lock-attacked-accounts, first {t305}, 2 successful logins, no attack signal
  time to block: 4 incidents, from each subject's first signal under either configuration
    current:   3 of 4 blocked, median 8s, max 8s
    candidate: 2 of 4 blocked, median 0s, max 0s
    change:    median -8s, max -8s
    user victim@example.com  first signal {t1}, current 8s, candidate 0s
    ip {ATTACKER}  first signal {t1}, current 8s, candidate not blocked
    ip {STUFFER}  first signal {t119}, current 0s, candidate not blocked
    user carol@example.com  first signal {t305}, current not blocked, candidate 0s
  shadow playbooks (would have done):
    current:   none
    candidate: challenge-attacking-ips challenge_ip x3
",
        current = current.display(),
        candidate = candidate.display(),
        t0 = ts(0),
        t1 = ts(1),
        t9 = ts(9),
        t119 = ts(119),
        t305 = ts(305),
        t450 = ts(450),
    )
}

fn expected_json(t0: i64, current: &Path, candidate: &Path) -> Value {
    let ms = |secs: i64| t0 + secs * 1000;
    let ts = |secs: i64| format_ts(ms(secs));
    let removed = |ip: &str, secs: i64| {
        json!({"scope": "ip", "value": ip, "action": "block", "playbook": "block-attacking-ips",
               "first": ts(secs), "first_ms": ms(secs), "times": 1})
    };
    let incident =
        |scope: &str, value: String, display: Option<&str>, secs: i64, cur: Value, cand: Value| {
            let mut v = json!({"scope": scope, "value": value, "first_signal": ts(secs),
                           "first_signal_ms": ms(secs), "current_ms": cur, "candidate_ms": cand});
            if let Some(d) = display {
                v["display"] = json!(d);
            }
            v
        };
    let carol = key("carol@example.com");
    json!({
        "since": "7d",
        "current": current.display().to_string(),
        "candidate": candidate.display().to_string(),
        "apps": [{
            "app_id": 1,
            "app": "shop",
            "events": 39,
            "first_event": ts(0),
            "last_event": ts(450),
            "current": {"signals": 2, "bans": 3, "decisions": 3, "incidents": 1},
            "candidate": {"signals": 4, "bans": 2, "decisions": 2, "incidents": 2},
            "bans_added": {"count": 1, "examples": [
                {"scope": "user", "value": carol, "display": "carol@example.com", "action": "block",
                 "playbook": "lock-attacked-accounts", "first": ts(305), "first_ms": ms(305), "times": 1}
            ]},
            "bans_removed": {"count": 2, "examples": [removed(ATTACKER, 9), removed(STUFFER, 119)]},
            "benign_users_affected": {"count": 1, "users": [
                {"user": carol, "display": "carol@example.com", "actions": ["block"],
                 "playbook": "lock-attacked-accounts", "first": ts(305), "first_ms": ms(305),
                 "successful_logins": 2}
            ]},
            "time_to_block": {
                "incidents": 4,
                "current": {"blocked": 3, "median_ms": 8000, "max_ms": 8000},
                "candidate": {"blocked": 2, "median_ms": 0, "max_ms": 0},
                "change": {"median_ms": -8000, "max_ms": -8000},
                "examples": [
                    incident("user", key("victim@example.com"), Some("victim@example.com"), 1, json!(8000), json!(0)),
                    incident("ip", ATTACKER.into(), None, 1, json!(8000), Value::Null),
                    incident("ip", STUFFER.into(), None, 119, json!(0), Value::Null),
                    incident("user", carol.clone(), Some("carol@example.com"), 305, Value::Null, json!(0)),
                ]
            },
            "shadow": {
                "current": [],
                "candidate": [{"playbook": "challenge-attacking-ips", "action": "challenge_ip", "count": 3}]
            }
        }]
    })
}

/// The JSON answer without `since_ms`, which depends on when the replay ran.
fn without_since(mut v: Value, started: i64) -> Value {
    let since = v["since_ms"].as_i64().unwrap();
    let week = DurationMs::from_days(7).ms();
    assert!(
        (started - week..=now_ms() - week).contains(&since),
        "{since}"
    );
    v.as_object_mut().unwrap().remove("since_ms");
    v
}

#[tokio::test]
async fn replay_reports_what_a_candidate_configuration_would_change() {
    let t0 = (now_ms() / 1000 - 600) * 1000;
    let events = log(t0);
    let files = tempfile::tempdir().unwrap();
    let current_path = files.path().join("vigil.toml");
    let candidate_path = files.path().join("candidate.toml");
    std::fs::write(&current_path, LOCK).unwrap();
    std::fs::write(&candidate_path, candidate_toml()).unwrap();

    // The log, stored by a server running the current configuration ...
    let (dir, url) = temp_db();
    let current = run_server(&url, LOCK, &events).await;
    // ... and what a server running the candidate does with the same log.
    let (other_dir, other_url) = temp_db();
    let candidate = run_server(&other_url, &candidate_toml(), &events).await;
    drop(other_dir);

    let (victim, carol) = (key("victim@example.com"), key("carol@example.com"));
    assert_eq!(
        current.decisions,
        BTreeSet::from([
            ban("user", &victim, "block"),
            ban("ip", ATTACKER, "block"),
            ban("ip", STUFFER, "block"),
        ])
    );
    assert_eq!(
        candidate.decisions,
        BTreeSet::from([ban("user", &victim, "block"), ban("user", &carol, "block")])
    );
    assert_eq!((current.incidents, candidate.incidents), (1, 2));
    assert!(current.shadow.is_empty());
    assert_eq!(
        candidate.shadow,
        vec![
            (
                "challenge-attacking-ips".to_owned(),
                "challenge_ip".to_owned()
            );
            3
        ]
    );

    let db = dir.path().join("vigil.db");
    let before = settled_digest(&db).await;
    let started = now_ms();
    let opts = ReplayOptions {
        db: url.clone(),
        current: Some(current_path.clone()),
        candidate: candidate_path.clone(),
        since: DurationMs::from_days(7),
        app: None,
        examples: 10,
        now_ms: started,
    };
    let answer = replay(&opts).await.unwrap();
    assert_eq!(
        text::render(&answer),
        expected_text(t0, &current_path, &candidate_path)
    );
    let json_answer = without_since(serde_json::to_value(&answer).unwrap(), started);
    assert_eq!(
        json_answer,
        expected_json(t0, &current_path, &candidate_path)
    );

    // Each side of each difference, against the servers that ran each configuration.
    let app = &answer.apps[0];
    let listed = |list: &report::BanList| -> Vec<(String, String, String)> {
        list.examples
            .iter()
            .map(|b| ban(b.scope, &b.value, b.action))
            .collect()
    };
    for added in listed(&app.bans_added) {
        assert!(candidate.decisions.contains(&added) && !current.decisions.contains(&added));
    }
    for removed in listed(&app.bans_removed) {
        assert!(current.decisions.contains(&removed) && !candidate.decisions.contains(&removed));
    }
    let only_candidate = candidate.decisions.difference(&current.decisions).count();
    let only_current = current.decisions.difference(&candidate.decisions).count();
    assert_eq!(
        (app.bans_added.count, app.bans_removed.count),
        (only_candidate, only_current)
    );
    assert_eq!(
        (app.current.incidents, app.candidate.incidents),
        (current.incidents, candidate.incidents)
    );

    // A window that starts after the attacks holds only the benign users' events.
    let late = replay(&ReplayOptions {
        now_ms: t0 + 250_000,
        since: DurationMs::from_mins(1),
        ..opts.clone()
    })
    .await
    .unwrap();
    let app = &late.apps[0];
    assert_eq!(app.events, 7);
    assert_eq!(listed(&app.bans_added), vec![ban("user", &carol, "block")]);
    assert_eq!(app.bans_removed.count, 0);
    assert_eq!(app.benign_users_affected.count, 1);

    let err = replay(&ReplayOptions {
        app: Some("nosuch".into()),
        ..opts.clone()
    })
    .await
    .unwrap_err();
    assert_eq!(err.to_string(), "configuration: no app named \"nosuch\"");

    // The real binary: the same answer, as text and as JSON.
    let bin = |extra: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_vigil-server"))
            .args(["replay", "--config"])
            .arg(&candidate_path)
            .arg("--current")
            .arg(&current_path)
            .args(["--since", "7d", "--db", &url])
            .args(extra)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let started = now_ms();
    assert_eq!(bin(&[]), expected_text(t0, &current_path, &candidate_path));
    let printed: Value = serde_json::from_str(&bin(&["--json", "--app", "shop"])).unwrap();
    assert_eq!(
        without_since(printed, started),
        expected_json(t0, &current_path, &candidate_path)
    );

    assert_eq!(digest(&db), before, "replay wrote to the database");
    drop(dir);
}
