//! State survives a restart on the same SQLite file: users, decisions, and the engine's
//! windows (an attack split across the restart is still detected).

mod common;

use common::*;
use vigil_server::config::Config;

#[tokio::test]
async fn restart_keeps_users_decisions_and_engine_state() {
    let (_dir, db) = temp_db();
    let mut s = TestServer::start_on(&db, Config::default()).await;
    let (app, token) = s.create_app("a").await;
    let manual = s
        .client
        .post(s.url("/api/decisions"))
        .bearer_auth(ADMIN)
        .json(&serde_json::json!({"app": app, "scope": "ip", "value": "192.0.2.99"}))
        .send()
        .await
        .unwrap();
    assert_eq!(manual.status(), 201);
    let t = now_ms() - 120_000;
    let attack = stuffing("203.0.113.77", t, 20);
    // 15 of the 20 failures before the restart: below the threshold.
    assert_eq!(s.post_batch(&token, &attack[..15]).await.status(), 202);
    let mut users = 0;
    for _ in 0..50 {
        users = s
            .admin_get(&format!("/api/users?app={app}"))
            .await
            .1
            .as_array()
            .unwrap()
            .len();
        if users == 5 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(users, 5);
    let f = s.feed(&token, 0, 0).await;
    assert_eq!(f["upserts"].as_array().unwrap().len(), 1, "no block yet");
    s.stop().await;

    let mut s = TestServer::start_on(&db, Config::default()).await;
    let (_, apps) = s.admin_get("/api/apps").await;
    assert_eq!(apps.as_array().unwrap().len(), 1);
    let (_, u) = s.admin_get(&format!("/api/users?app={app}")).await;
    assert_eq!(u.as_array().unwrap().len(), 5, "users kept");
    let f = s.feed(&token, 0, 0).await;
    assert_eq!(
        f["upserts"][0]["value"], "192.0.2.99",
        "decisions kept; token still valid"
    );
    // The remaining 5 failures complete the window that began before the restart.
    assert_eq!(s.post_batch(&token, &attack[15..]).await.status(), 202);
    let d = s
        .wait_for_decision(&token, 10, |d| d["value"] == "203.0.113.77")
        .await;
    assert!(d.is_some(), "detector window spanning the restart fired");
    // Replay did not repeat effects: one block for the IP.
    let (_, list) = s.admin_get(&format!("/api/decisions?app={app}")).await;
    let blocks = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["value"] == "203.0.113.77")
        .count();
    assert_eq!(blocks, 1);
    s.stop().await;

    // A third start replays everything without adding effects.
    let mut s = TestServer::start_on(&db, Config::default()).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let (_, list) = s.admin_get(&format!("/api/decisions?app={app}")).await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    s.stop().await;
}
