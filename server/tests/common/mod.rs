//! Shared test helpers: an in-process server on 127.0.0.1:0 with a temporary SQLite file (or
//! a given database), and events built with the SDKs' own encoder (vigil-protocol).
#![allow(dead_code)]

pub mod dashboard;
pub mod smtp;

use std::net::SocketAddr;

use serde_json::Value;
use vigil_protocol::Identity;
use vigil_protocol::{new_event_id, Event, EventKind, Properties, RequestContext};
use vigil_server::config::Config;
use vigil_server::{Running, ServeOptions};

pub const ADMIN: &str = "test-admin-token";

pub struct TestServer {
    pub running: Option<Running>,
    pub base: String,
    pub db: String,
    pub client: reqwest::Client,
    pub dir: Option<tempfile::TempDir>,
}

pub fn temp_db() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("vigil.db").display());
    (dir, url)
}

impl TestServer {
    pub async fn start() -> TestServer {
        let (dir, url) = temp_db();
        let mut s = TestServer::start_on(&url, Config::default()).await;
        s.dir = Some(dir);
        s
    }

    pub async fn start_on(db: &str, config: Config) -> TestServer {
        let running = vigil_server::start(ServeOptions {
            listen: "127.0.0.1:0".parse::<SocketAddr>().unwrap(),
            db: db.to_owned(),
            config,
            admin_token: Some(ADMIN.into()),
        })
        .await
        .expect("server starts");
        TestServer {
            base: format!("http://{}", running.addr),
            running: Some(running),
            db: db.to_owned(),
            client: reqwest::Client::new(),
            dir: None,
        }
    }

    pub async fn stop(&mut self) {
        if let Some(r) = self.running.take() {
            r.shutdown().await.expect("clean shutdown");
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn create_app(&self, name: &str) -> (i64, String) {
        let r = self
            .client
            .post(self.url("/api/apps"))
            .bearer_auth(ADMIN)
            .json(&serde_json::json!({ "name": name }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let v: Value = r.json().await.unwrap();
        (
            v["id"].as_i64().unwrap(),
            v["token"].as_str().unwrap().to_owned(),
        )
    }

    pub async fn post_batch(&self, token: &str, events: &[Value]) -> reqwest::Response {
        self.client
            .post(self.url("/v1/batch"))
            .bearer_auth(token)
            .json(&serde_json::json!({"sdk": sdk(), "events": events}))
            .send()
            .await
            .unwrap()
    }

    pub async fn admin_get(&self, path: &str) -> (u16, Value) {
        let r = self
            .client
            .get(self.url(path))
            .bearer_auth(ADMIN)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// The Prometheus text of `/metrics`.
    pub async fn metrics(&self) -> String {
        self.client
            .get(self.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    pub async fn feed(&self, token: &str, cursor: u64, wait: u64) -> Value {
        let r = self
            .client
            .get(self.url(&format!("/v1/decisions?cursor={cursor}&wait={wait}")))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    /// Long-polls until a decision satisfying `pred` appears (or `secs` pass).
    pub async fn wait_for_decision(
        &self,
        token: &str,
        secs: u64,
        pred: impl Fn(&Value) -> bool,
    ) -> Option<Value> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        let mut cursor = 0;
        let mut held: Vec<Value> = Vec::new();
        while std::time::Instant::now() < deadline {
            let f = self.feed(token, cursor, 2).await;
            if f["reset"] == true {
                held.clear();
            }
            held.extend(f["upserts"].as_array().unwrap().iter().cloned());
            if let Some(d) = held.iter().find(|d| pred(d)) {
                return Some(d.clone());
            }
            cursor = f["cursor"].as_u64().unwrap();
        }
        None
    }
}

/// Verifies `X-Vigil-Signature` the way docs/server.md tells receivers to.
pub fn verify_signature(secret: &str, headers: &axum::http::HeaderMap, body: &[u8]) -> bool {
    use hmac::{Hmac, Mac};
    let Some(sig) = headers
        .get("x-vigil-signature")
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mut t = None;
    let mut v1 = None;
    for part in sig.split(',') {
        match part.split_once('=') {
            Some(("t", x)) => t = Some(x.to_owned()),
            Some(("v1", x)) => v1 = Some(x.to_owned()),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else {
        return false;
    };
    let Ok(ts) = t.parse::<i64>() else {
        return false;
    };
    if (now_ms() / 1000 - ts).abs() > 300 {
        return false;
    }
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    let Ok(expected) = hex::decode(v1) else {
        return false;
    };
    mac.verify_slice(&expected).is_ok()
}

/// A fresh database on the PostgreSQL test server (`VIGIL_TEST_PG_URL`), so tests do not
/// see each other's rows; `None`, said on stdout, when the variable is unset.
pub async fn fresh_pg_db() -> Option<String> {
    let Ok(url) = std::env::var("VIGIL_TEST_PG_URL") else {
        println!("SKIPPED: VIGIL_TEST_PG_URL is not set (export VIGIL_TEST_PG_URL=$(scripts/pg-test-env.sh))");
        return None;
    };
    let pool = sqlx::PgPool::connect(&url)
        .await
        .expect("VIGIL_TEST_PG_URL reachable");
    let name = format!("vigil_t{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let base = url
        .rsplit_once('/')
        .map_or(url.as_str(), |(b, _)| b)
        .to_owned();
    Some(format!("{base}/{name}"))
}

pub fn sdk() -> Value {
    serde_json::json!({"name": "test", "version": "0", "instance": "t", "lang": "rust"})
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

pub fn identity(email: &str) -> Identity {
    Identity::new(&[("email", email)], None).unwrap()
}

/// One event as an SDK would send it.
pub fn event(kind: &str, email: &str, ip: &str, ts_ms: i64) -> Value {
    let kind = match kind {
        "signup" => EventKind::Signup,
        "auth.success" => EventKind::AuthSuccess,
        "auth.failure" => EventKind::AuthFailure { exists: Some(true) },
        "identify.seen" => EventKind::IdentifySeen,
        other => EventKind::custom(other).unwrap(),
    };
    let ev = Event {
        id: Some(new_event_id(ts_ms)),
        ts_ms,
        kind,
        user: Some(identity(email)),
        request: Some(
            RequestContext::from_parts(Some(ip), Some("test"), Some("POST"), Some("/login"))
                .unwrap(),
        ),
        properties: Properties::new(),
    };
    let mut out = Vec::new();
    vigil_protocol::wire::encode_event(&ev, &mut out);
    serde_json::from_slice(&out).unwrap()
}

/// 20 failures from one IP across 5 users: credential stuffing by the default thresholds.
pub fn stuffing(ip: &str, start_ms: i64, count: usize) -> Vec<Value> {
    (0..count)
        .map(|i| {
            event(
                "auth.failure",
                &format!("victim{}@example.com", i % 5),
                ip,
                start_ms + i as i64 * 1000,
            )
        })
        .collect()
}

/// Pollers long-poll `poll_on` from cursor 0 (an app without decisions) while decisions are
/// created and some deleted on `write_on` as fast as it answers. Between two consecutive
/// answers no change may be repeated or skipped: every poller ends holding exactly the live
/// decisions, and no decision id reaches one poller in two answers' upserts (or deletes).
pub async fn consecutive_polls_never_repeat_a_change(
    write_on: &TestServer,
    poll_on: &TestServer,
    app: i64,
    token: &str,
) {
    use std::collections::{BTreeSet, HashMap};
    const POLLERS: usize = 16;
    const DECISIONS: usize = 40;
    let (done_tx, done_rx) = tokio::sync::watch::channel(BTreeSet::<String>::new());
    let mut pollers = Vec::new();
    for _ in 0..POLLERS {
        let (client, base, token) = (
            poll_on.client.clone(),
            poll_on.base.clone(),
            token.to_owned(),
        );
        let mut done = done_rx.clone();
        pollers.push(tokio::spawn(async move {
            let mut cursor = 0u64;
            let mut held = BTreeSet::new();
            let mut upserted: HashMap<String, usize> = HashMap::new();
            let mut deleted: HashMap<String, usize> = HashMap::new();
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
            loop {
                let f: Value = client
                    .get(format!("{base}/v1/decisions?cursor={cursor}&wait=2"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                if f["reset"] == true {
                    held.clear();
                }
                for d in f["upserts"].as_array().unwrap() {
                    let id = d["id"].as_str().unwrap().to_owned();
                    *upserted.entry(id.clone()).or_default() += 1;
                    held.insert(id);
                }
                for id in f["deletes"].as_array().unwrap() {
                    let id = id.as_str().unwrap().to_owned();
                    *deleted.entry(id.clone()).or_default() += 1;
                    held.remove(&id);
                }
                cursor = f["cursor"].as_u64().unwrap();
                let expected = done.borrow_and_update().clone();
                if !expected.is_empty() && held == expected {
                    return (upserted, deleted);
                }
                assert!(
                    std::time::Instant::now() < deadline,
                    "poller holds {held:?}, expected {expected:?}"
                );
            }
        }));
    }
    let mut live = BTreeSet::new();
    for k in 0..DECISIONS {
        let d: Value = write_on
            .client
            .post(write_on.url("/api/decisions"))
            .bearer_auth(ADMIN)
            .json(&serde_json::json!({"app": app, "scope": "ip", "value": format!("192.0.2.{}", k + 1)}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = d["id"].as_str().unwrap().to_owned();
        live.insert(id.clone());
        if k % 8 == 7 {
            let r = write_on
                .client
                .delete(write_on.url(&format!("/api/decisions/{id}")))
                .bearer_auth(ADMIN)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 204);
            live.remove(&id);
        }
    }
    done_tx.send_replace(live);
    for p in pollers {
        let (upserted, deleted) = p.await.unwrap();
        for (id, n) in upserted.iter().chain(deleted.iter()) {
            assert_eq!(*n, 1, "{id} delivered {n} times to one poller");
        }
    }
}
