//! PostgreSQL: several instances on one database. Needs `VIGIL_TEST_PG_URL` (see
//! scripts/pg-test-env.sh); skipped with a notice when it is unset.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;
use vigil_server::config::Config;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decision_on_one_instance_reaches_long_poll_on_other_under_1s() {
    let Some(db) = fresh_pg_db().await else {
        return;
    };
    let mut a = TestServer::start_on(&db, Config::default()).await;
    let mut b = TestServer::start_on(&db, Config::default()).await;
    let (app, token) = a.create_app("multi").await;
    // A first decision so the poller holds a real cursor (cursor 0 always gets a snapshot).
    let r = a
        .client
        .post(a.url("/api/decisions"))
        .bearer_auth(ADMIN)
        .json(&serde_json::json!({"app": app, "scope": "ip", "value": "198.51.100.200"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let f = b.feed(&token, 0, 0).await;
    assert_eq!(f["upserts"].as_array().unwrap().len(), 1);
    let mut cursor = f["cursor"].as_u64().unwrap();
    for round in 0..5 {
        let poll = {
            let (c, url, token) = (
                b.client.clone(),
                b.url(&format!("/v1/decisions?cursor={cursor}&wait=10")),
                token.clone(),
            );
            tokio::spawn(async move {
                c.get(url)
                    .bearer_auth(token)
                    .send()
                    .await
                    .unwrap()
                    .json::<Value>()
                    .await
                    .unwrap()
            })
        };
        tokio::time::sleep(Duration::from_millis(200)).await;
        let t0 = Instant::now();
        let r = a
            .client
            .post(a.url("/api/decisions"))
            .bearer_auth(ADMIN)
            .json(&serde_json::json!({"app": app, "scope": "ip", "value": format!("198.51.100.{round}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let f = poll.await.unwrap();
        let took = t0.elapsed();
        assert!(took < Duration::from_secs(1), "propagation took {took:?}");
        assert_eq!(f["upserts"][0]["value"], format!("198.51.100.{round}"));
        assert_eq!(f["reset"], false);
        cursor = f["cursor"].as_u64().unwrap();
    }
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attack_split_across_instances_is_detected_once() {
    let Some(db) = fresh_pg_db().await else {
        return;
    };
    let mut a = TestServer::start_on(&db, Config::default()).await;
    let mut b = TestServer::start_on(&db, Config::default()).await;
    let (app, token) = a.create_app("multi").await;
    let events = stuffing("203.0.113.88", now_ms() - 60_000, 20);
    for (i, chunk) in events.chunks(2).enumerate() {
        let s = if i % 2 == 0 { &a } else { &b };
        assert_eq!(s.post_batch(&token, chunk).await.status(), 202);
    }
    // Idempotency on PostgreSQL too: a retried batch on the other instance is all duplicates.
    let r = b.post_batch(&token, &events[..2]).await;
    assert_eq!(r.json::<Value>().await.unwrap()["duplicates"], 2);
    for s in [&a, &b] {
        let d = s
            .wait_for_decision(&token, 10, |d| d["value"] == "203.0.113.88")
            .await;
        assert!(d.is_some(), "both instances serve the block");
    }
    // Both engines saw all 20 events and made the same decision; it is stored once.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (_, list) = a.admin_get(&format!("/api/decisions?app={app}")).await;
    let n = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["value"] == "203.0.113.88")
        .count();
    assert_eq!(n, 1, "{list}");
    let (_, ev) = a
        .admin_get(&format!("/api/events?app={app}&limit=1000"))
        .await;
    assert_eq!(ev.as_array().unwrap().len(), 20);
    let (_, users) = b.admin_get(&format!("/api/users?app={app}")).await;
    assert_eq!(users.as_array().unwrap().len(), 5);
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consecutive_polls_never_repeat_or_skip_a_change_across_instances() {
    let Some(db) = fresh_pg_db().await else {
        return;
    };
    let mut a = TestServer::start_on(&db, Config::default()).await;
    let mut b = TestServer::start_on(&db, Config::default()).await;
    let (app, token) = a.create_app("same").await;
    consecutive_polls_never_repeat_a_change(&a, &a, app, &token).await;
    let (app, token) = a.create_app("other").await;
    consecutive_polls_never_repeat_a_change(&a, &b, app, &token).await;
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_store_on_two_instances() {
    let Some(db) = fresh_pg_db().await else {
        return;
    };
    let mut a = TestServer::start_on(&db, Config::default()).await;
    let mut b = TestServer::start_on(&db, Config::default()).await;
    common::dashboard::checks(&[&a, &b], &db).await;
    a.stop().await;
    b.stop().await;
}
