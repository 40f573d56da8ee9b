//! Each notifier against a real local receiver: a webhook receiver that checks the HMAC
//! signature (and fails the first delivery, to exercise retries), Slack, PagerDuty, and an
//! SMTP sink speaking just enough SMTP (common/smtp.rs).

mod common;

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use common::*;
use hmac::{Hmac, Mac};
use parking_lot::Mutex;
use serde_json::Value;
use sha2::Sha256;
use tokio::net::TcpListener;
use vigil_server::config::Config;

const SECRET: &str = "whsec-test";

#[derive(Clone, Default)]
struct Seen {
    hooks: Arc<Mutex<Vec<(String, Value)>>>,
    webhook_calls: Arc<Mutex<u32>>,
}

async fn webhook(State(s): State<Seen>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let n = {
        let mut c = s.webhook_calls.lock();
        *c += 1;
        *c
    };
    if !verify_signature(SECRET, &headers, &body) {
        return StatusCode::UNAUTHORIZED;
    }
    if n == 1 {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    s.hooks
        .lock()
        .push(("webhook".into(), serde_json::from_slice(&body).unwrap()));
    StatusCode::OK
}

async fn slack(State(s): State<Seen>, body: Bytes) -> StatusCode {
    s.hooks
        .lock()
        .push(("slack".into(), serde_json::from_slice(&body).unwrap()));
    StatusCode::OK
}

async fn pagerduty(State(s): State<Seen>, body: Bytes) -> (StatusCode, &'static str) {
    s.hooks
        .lock()
        .push(("pagerduty".into(), serde_json::from_slice(&body).unwrap()));
    (StatusCode::ACCEPTED, r#"{"status":"success"}"#)
}

#[tokio::test]
async fn every_notifier_delivers_and_attempts_are_recorded() {
    let seen = Seen::default();
    let http = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let http_addr = http.local_addr().unwrap();
    let router = Router::new()
        .route("/hook", post(webhook))
        .route("/slack", post(slack))
        .route("/v2/enqueue", post(pagerduty))
        .with_state(seen.clone());
    tokio::spawn(async move { axum::serve(http, router).await.unwrap() });
    let (smtp_port, mails) = common::smtp::start().await;

    let toml = format!(
        r#"
[notify]
backoff = "50ms"
max_attempts = 3
timeout = "5s"

[notify.targets.hook]
kind = "webhook"
url = "http://{http_addr}/hook"
secret = "{SECRET}"

[notify.targets.chat]
kind = "slack"
url = "http://{http_addr}/slack"

[notify.targets.pager]
kind = "pagerduty"
url = "http://{http_addr}"
routing_key = "rk-123"

[notify.targets.mail]
kind = "email"
host = "127.0.0.1"
port = {smtp_port}
from = "vigil@example.com"
to = ["ops@example.com"]

[[engine.playbooks]]
name = "page-on-stuffing"
trigger = {{ type = "signal", name = "credential_stuffing" }}
actions = [{{ type = "notify", targets = ["hook", "chat", "pager", "mail"] }}]
cooldown = "1h"
"#
    );
    let config = Config::from_toml_str(&toml).unwrap();
    let (_dir, db) = temp_db();
    let mut s = TestServer::start_on(&db, config).await;
    let (app, token) = s.create_app("a").await;
    let started = std::time::Instant::now();
    let r = s
        .post_batch(&token, &stuffing("203.0.113.60", now_ms() - 30_000, 20))
        .await;
    assert_eq!(r.status(), 202);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "notifications never delay a 202"
    );

    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let kinds: Vec<String> = seen.hooks.lock().iter().map(|(k, _)| k.clone()).collect();
        let done = ["webhook", "slack", "pagerduty"]
            .iter()
            .all(|k| kinds.iter().any(|x| x == k))
            && !mails.lock().is_empty();
        if done {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "deliveries so far: {kinds:?}, mails {}",
            mails.lock().len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let hooks = seen.hooks.lock().clone();
    let body = |k: &str| hooks.iter().find(|(x, _)| x == k).unwrap().1.clone();
    let wh = body("webhook");
    assert_eq!(wh["playbook"], "page-on-stuffing");
    assert_eq!(wh["ip"], "203.0.113.60");
    assert_eq!(wh["app_id"], app);
    assert!(body("slack")["text"]
        .as_str()
        .unwrap()
        .contains("page-on-stuffing"));
    let pd = body("pagerduty");
    assert_eq!(pd["routing_key"], "rk-123");
    assert_eq!(pd["event_action"], "trigger");
    assert!(pd["dedup_key"].as_str().unwrap().starts_with("n_"));
    assert_eq!(pd["payload"]["source"], "vigil-server");
    assert!(pd["payload"]["summary"]
        .as_str()
        .unwrap()
        .contains("page-on-stuffing"));
    let mail = mails.lock()[0].clone();
    assert!(mail.contains("ops@example.com"));
    assert!(mail.contains("page-on-stuffing"));

    // Every attempt is recorded: the webhook's first (500) and second (200).
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, v) = s.admin_get(&format!("/api/notifications?app={app}")).await;
    let attempts = v["attempts"].as_array().unwrap();
    let hook: Vec<&Value> = attempts.iter().filter(|a| a["target"] == "hook").collect();
    assert_eq!(hook.len(), 2, "{attempts:?}");
    assert!(hook.iter().any(|a| a["ok"] == false && a["status"] == 500));
    assert!(hook.iter().any(|a| a["ok"] == true && a["status"] == 200));
    for t in ["chat", "pager", "mail"] {
        assert!(
            attempts.iter().any(|a| a["target"] == t && a["ok"] == true),
            "{t}"
        );
    }
    let notes = v["notifications"].as_array().unwrap();
    let sent = |t: &str| {
        notes
            .iter()
            .any(|n| n["target"] == t && n["state"] == "sent")
    };
    assert!(
        sent("hook") && sent("chat") && sent("pager") && sent("mail"),
        "{notes:?}"
    );
    let text = s.metrics().await;
    assert!(
        text.contains("vigil_notification_failures_total 1"),
        "{text}"
    );
    s.stop().await;
}

#[test]
fn signature_matches_documented_scheme() {
    let sig = vigil_server::notify::sign("k", 1_700_000_000, b"{}");
    let mut mac = Hmac::<Sha256>::new_from_slice(b"k").unwrap();
    mac.update(b"1700000000.{}");
    assert_eq!(
        sig,
        format!(
            "t=1700000000,v1={}",
            hex::encode(mac.finalize().into_bytes())
        )
    );
}
