//! Devices, challenges, the lockout exemption and shadow playbooks through a real server and
//! SQLite file: what SDKs send, what the engine runner stores and what the feed carries.

mod common;

use common::*;
use serde_json::{json, Value};
use vigil_server::config::Config;

const PHONE: &str = "0123456789abcdef0123456789abcdef";

fn with_device(mut ev: Value, device: &str) -> Value {
    ev["request"]["device"] = json!(device);
    ev
}

fn challenge(result: &str, email: &str, ip: &str, ts: i64, device: &str) -> Value {
    let mut ev = with_device(event("auth.success", email, ip, ts), device);
    ev["type"] = json!("challenge");
    ev["result"] = json!(result);
    ev
}

const CONFIG: &str = r#"
[engine.brute_force]
failures = 5

[[engine.playbooks]]
name = "lock-attacked-accounts"
trigger = { type = "signal", names = ["brute_force"] }
actions = [{ type = "block_user", duration = "15m" }, { type = "challenge_user", duration = "1h" }]

[[engine.playbooks]]
name = "block-attacking-ips"
mode = "shadow"
trigger = { type = "signal", names = ["brute_force", "credential_stuffing"] }
actions = [{ type = "block_ip", duration = "1h" }]
"#;

#[tokio::test]
async fn lockout_spares_known_devices_challenges_end_when_passed_and_shadow_enforces_nothing() {
    let (dir, url) = temp_db();
    let config = Config::from_toml_str(CONFIG).unwrap();
    let mut s = TestServer::start_on(&url, config).await;
    let (app, token) = s.create_app("shop").await;
    let t0 = now_ms() - 60_000;
    // Alice logs in twice from her phone, then someone brute-forces her account.
    let mut batch = vec![
        with_device(
            event("auth.success", "alice@example.com", "198.51.100.1", t0),
            PHONE,
        ),
        with_device(
            event(
                "auth.success",
                "alice@example.com",
                "198.51.100.1",
                t0 + 1000,
            ),
            PHONE,
        ),
    ];
    for i in 0..5 {
        batch.push(event(
            "auth.failure",
            "alice@example.com",
            "203.0.113.9",
            t0 + 10_000 + i * 100,
        ));
    }
    assert_eq!(s.post_batch(&token, &batch).await.status(), 202);

    let block = s
        .wait_for_decision(&token, 10, |d| d["action"] == "block")
        .await
        .expect("the account is locked");
    assert_eq!(block["scope"], "user");
    assert_eq!(block["except_devices"], json!([PHONE]));
    let challenge_decision = s
        .wait_for_decision(&token, 5, |d| d["action"] == "challenge")
        .await
        .expect("the user is challenged");
    assert_eq!(challenge_decision["scope"], "user");
    assert_eq!(challenge_decision["value"], block["value"]);

    // The shadow playbook recorded a would-have IP block and enforced none.
    let (status, v) = s.admin_get(&format!("/api/playbooks?app={app}")).await;
    assert_eq!(status, 200);
    let runs = v["runs"].as_array().unwrap();
    let shadow: Vec<&Value> = runs
        .iter()
        .filter(|r| r["playbook"] == "block-attacking-ips")
        .collect();
    assert!(!shadow.is_empty(), "{v}");
    assert!(shadow
        .iter()
        .all(|r| r["shadow"] == true && r["action"] == "block_ip"));
    let feed = s.feed(&token, 0, 0).await;
    assert!(
        feed["upserts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["scope"] != "ip"),
        "{feed}"
    );

    // Alice passes the challenge on her phone: the challenge ends (a delete in the feed);
    // the lockout, which her phone is exempt from, stays.
    let cursor = feed["cursor"].as_u64().unwrap();
    let passed = challenge(
        "succeeded",
        "alice@example.com",
        "198.51.100.1",
        t0 + 20_000,
        PHONE,
    );
    assert_eq!(s.post_batch(&token, &[passed]).await.status(), 202);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut deleted = Vec::new();
    let mut cursor = cursor;
    while deleted.is_empty() && std::time::Instant::now() < deadline {
        let f = s.feed(&token, cursor, 2).await;
        cursor = f["cursor"].as_u64().unwrap();
        deleted.extend(f["deletes"].as_array().unwrap().iter().cloned());
    }
    assert_eq!(deleted, vec![challenge_decision["id"].clone()]);
    let live = s.feed(&token, 0, 0).await;
    let live = live["upserts"].as_array().unwrap();
    assert_eq!(live.len(), 1);
    assert_eq!(live[0]["id"], block["id"]);
    s.stop().await;
    drop(dir);
}

#[tokio::test]
async fn ingest_checks_devices_and_challenge_results() {
    let mut s = TestServer::start().await;
    let (_, token) = s.create_app("shop").await;
    let t = now_ms();
    let cases = [
        (
            with_device(
                event("auth.success", "a@example.com", "198.51.100.1", t),
                "XYZ",
            ),
            "invalid_request",
        ),
        (
            with_device(
                event("auth.success", "a@example.com", "198.51.100.1", t),
                &PHONE.to_uppercase(),
            ),
            "invalid_request",
        ),
        (
            challenge("passed", "a@example.com", "198.51.100.1", t, PHONE),
            "invalid_challenge_result",
        ),
    ];
    for (ev, code) in cases {
        let r = s.post_batch(&token, &[ev]).await;
        assert_eq!(r.status(), 400);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], code, "{v}");
    }
    let mut missing = challenge("failed", "a@example.com", "198.51.100.1", t, PHONE);
    missing.as_object_mut().unwrap().remove("result");
    let r = s.post_batch(&token, &[missing]).await;
    assert_eq!(r.status(), 400);
    for result in ["requested", "succeeded", "failed"] {
        let ev = challenge(result, "a@example.com", "198.51.100.1", t, PHONE);
        assert_eq!(s.post_batch(&token, &[ev]).await.status(), 202, "{result}");
    }
    s.stop().await;
}
