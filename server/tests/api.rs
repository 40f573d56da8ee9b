//! Every endpoint and error of docs/protocol.md against a real server and SQLite file.

mod common;

use std::io::Write;

use common::*;
use serde_json::{json, Value};

#[tokio::test]
async fn health_ready_metrics() {
    let mut s = TestServer::start().await;
    let r = s.client.get(s.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = s.client.get(s.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let (_, token) = s.create_app("a").await;
    let r = s
        .post_batch(
            &token,
            &[event(
                "auth.success",
                "m@example.com",
                "192.0.2.1",
                now_ms(),
            )],
        )
        .await;
    assert_eq!(r.status(), 202);
    let text = s.metrics().await;
    for name in [
        "vigil_events_accepted_total 1",
        "vigil_events_duplicates_total 0",
        "vigil_events_rejected_total",
        "vigil_batch_duration_seconds_bucket",
        "vigil_decisions_active",
        "vigil_playbook_runs_total",
        "vigil_notification_failures_total",
    ] {
        assert!(text.contains(name), "{name} missing from:\n{text}");
    }
    s.stop().await;
}

#[tokio::test]
async fn batch_is_idempotent_and_gzip_works() {
    let mut s = TestServer::start().await;
    let (app, token) = s.create_app("a").await;
    let t = now_ms();
    let events: Vec<Value> = (0..10)
        .map(|i| {
            event(
                "auth.success",
                &format!("u{i}@example.com"),
                "192.0.2.1",
                t + i,
            )
        })
        .collect();
    let r = s.post_batch(&token, &events).await;
    assert_eq!(r.status(), 202);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"accepted": 10, "duplicates": 0})
    );
    // The same batch again, gzip-compressed: all duplicates, nothing stored twice.
    let body = serde_json::to_vec(&json!({"sdk": sdk(), "events": events})).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&body).unwrap();
    let r = s
        .client
        .post(s.url("/v1/batch"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body(gz.finish().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"accepted": 0, "duplicates": 10})
    );
    let (st, v) = s
        .admin_get(&format!("/api/events?app={app}&limit=1000"))
        .await;
    assert_eq!(st, 200);
    assert_eq!(v.as_array().unwrap().len(), 10);
    // Users appear once the engine runner has processed the events.
    let mut users = Value::Null;
    for _ in 0..50 {
        users = s
            .admin_get(&format!("/api/users?app={app}&sort=last_seen"))
            .await
            .1;
        if users.as_array().unwrap().len() == 10 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(users.as_array().unwrap().len(), 10);
    assert_eq!(users[0]["primary"], "email");
    s.stop().await;
}

#[tokio::test]
async fn batch_errors() {
    let mut s = TestServer::start().await;
    let (_, token) = s.create_app("a").await;
    let t = now_ms();
    let good = event("auth.failure", "x@example.com", "192.0.2.1", t);

    // 401: missing and wrong tokens.
    let r = s
        .client
        .post(s.url("/v1/batch"))
        .json(&json!({"events": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = s.post_batch("vga_nope", std::slice::from_ref(&good)).await;
    assert_eq!(r.status(), 401);
    // The admin token is not an app token.
    let r = s.post_batch(ADMIN, std::slice::from_ref(&good)).await;
    assert_eq!(r.status(), 401);

    let check = |v: Value, code: &str, index: Option<u64>| {
        assert_eq!(v["error"]["code"], code, "{v}");
        assert_eq!(v["error"]["event_index"].as_u64(), index, "{v}");
    };
    // Malformed JSON.
    let r = s
        .client
        .post(s.url("/v1/batch"))
        .bearer_auth(&token)
        .body("{nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    check(r.json().await.unwrap(), "invalid_json", None);
    // An encoding other than gzip (the parse runs on the blocking pool: the error still
    // comes back typed).
    let r = s
        .client
        .post(s.url("/v1/batch"))
        .bearer_auth(&token)
        .header("content-encoding", "br")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    check(r.json().await.unwrap(), "unsupported_encoding", None);

    // A key that does not match the identifiers: 400 naming the event, nothing stored.
    let mut bad = event("auth.failure", "y@example.com", "192.0.2.1", t);
    bad["user"]["key"] = json!(identity("z@example.com").key().to_string());
    let r = s.post_batch(&token, &[good.clone(), bad]).await;
    assert_eq!(r.status(), 400);
    check(r.json().await.unwrap(), "key_mismatch", Some(1));
    let r = s.post_batch(&token, std::slice::from_ref(&good)).await;
    assert_eq!(
        r.json::<Value>().await.unwrap()["accepted"],
        1,
        "all or nothing"
    );

    // Identifiers that are not normalized, even with a key computed over them.
    let mut bad = event("auth.failure", "y@example.com", "192.0.2.1", t);
    let raw = vigil_protocol::Identity::from_normalized([("email", "Y@Example.com")]);
    bad["user"] = json!({"ids": {"email": "Y@Example.com"}, "key": raw.key().to_string(), "primary": "email"});
    let r = s.post_batch(&token, &[bad]).await;
    check(r.json().await.unwrap(), "not_normalized", Some(0));

    type Mutation = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(Mutation, &str)> = vec![
        (Box::new(|e| e["type"] = json!("logout")), "invalid_type"),
        (Box::new(|e| e["id"] = json!("not-a-uuid")), "invalid_id"),
        (
            Box::new(|e| e["ts"] = json!("yesterday")),
            "invalid_timestamp",
        ),
        (
            Box::new(|e| e["ts"] = json!("1990-01-01T00:00:00Z")),
            "invalid_timestamp",
        ),
        (
            Box::new(|e| e["request"]["ip"] = json!("999.1.1.1")),
            "invalid_ip",
        ),
        (
            Box::new(|e| {
                e.as_object_mut().unwrap().remove("user");
            }),
            "missing_user",
        ),
        (
            Box::new(|e| e["user"]["ids"] = json!({})),
            "invalid_identity",
        ),
        (
            Box::new(|e| e["user"]["primary"] = json!("username")),
            "primary_mismatch",
        ),
        (
            Box::new(|e| e["properties"] = json!({"k": [1]})),
            "invalid_properties",
        ),
        (
            Box::new(|e| {
                e["properties"] = (0..17)
                    .map(|i| (format!("k{i}"), json!(i)))
                    .collect::<serde_json::Map<_, _>>()
                    .into()
            }),
            "invalid_properties",
        ),
        (
            Box::new(|e| {
                e["type"] = json!("custom");
                e["name"] = json!("vigil.reserved");
            }),
            "invalid_name",
        ),
        (
            Box::new(|e| e["user"]["ids"] = json!({"email": 5})),
            "invalid_event",
        ),
    ];
    for (mutate, code) in cases {
        let mut e = event("auth.failure", "w@example.com", "192.0.2.1", t);
        mutate(&mut e);
        let r = s.post_batch(&token, &[good.clone(), good.clone(), e]).await;
        assert_eq!(r.status(), 400, "{code}");
        check(r.json().await.unwrap(), code, Some(2));
    }

    // 413: more than 1000 events; more than 1 MiB on the wire; more than 5 MiB inflated.
    let many: Vec<Value> = (0..1001)
        .map(|i| event("auth.success", "m@example.com", "192.0.2.1", t + i))
        .collect();
    let r = s.post_batch(&token, &many).await;
    assert_eq!(r.status(), 413);
    let big = vec![b' '; 1024 * 1024 + 10];
    let r = s
        .client
        .post(s.url("/v1/batch"))
        .bearer_auth(&token)
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(b"{\"events\":[").unwrap();
    gz.write_all(&vec![b' '; 6 * 1024 * 1024]).unwrap();
    gz.write_all(b"]}").unwrap();
    let body = gz.finish().unwrap();
    assert!(body.len() < 1024 * 1024);
    let r = s
        .client
        .post(s.url("/v1/batch"))
        .bearer_auth(&token)
        .header("content-encoding", "gzip")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let r = s
        .client
        .post(s.url("/v1/batch"))
        .bearer_auth(&token)
        .header("content-encoding", "gzip")
        .body("not gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let text = s.metrics().await;
    assert!(text.contains("vigil_batches_rejected_total"));
    s.stop().await;
}

#[tokio::test]
async fn admin_requires_credential() {
    let mut s = TestServer::start().await;
    for path in [
        "/api/apps",
        "/api/users?app=1",
        "/api/incidents?app=1",
        "/api/decisions?app=1",
        "/api/playbooks",
        "/api/notifications",
        "/api/events?app=1",
    ] {
        let r = s.client.get(s.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 401, "{path}");
        let r = s
            .client
            .get(s.url(path))
            .bearer_auth("wrong")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{path}");
    }
    let (_, token) = s.create_app("a").await;
    let r = s
        .client
        .get(s.url("/api/apps"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "an app token is not an admin credential");
    let r = s
        .client
        .post(s.url("/api/apps"))
        .bearer_auth(ADMIN)
        .json(&json!({"name": "a"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let r = s
        .client
        .post(s.url("/api/apps"))
        .bearer_auth(ADMIN)
        .json(&json!({"name": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let (st, apps) = s.admin_get("/api/apps").await;
    assert_eq!(st, 200);
    assert_eq!(apps[0]["name"], "a");
    assert!(apps[0].get("token").is_none());
    let (st, _) = s.admin_get("/api/users?app=999").await;
    assert_eq!(st, 404);
    let (st, _) = s.admin_get("/api/users").await;
    assert_eq!(st, 400);
    s.stop().await;
}

#[tokio::test]
async fn decisions_feed_and_admin_decisions() {
    let mut s = TestServer::start().await;
    let (app, token) = s.create_app("a").await;
    let f = s.feed(&token, 0, 0).await;
    assert_eq!(f["reset"], true);
    assert_eq!(f["cursor"], 0);

    let post = |body: Value| {
        let c = s.client.clone();
        let url = s.url("/api/decisions");
        async move {
            c.post(url)
                .bearer_auth(ADMIN)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    // A user by identifiers (normalized on the way in), with a duration.
    let r = post(json!({"app": app, "scope": "user", "ids": {"Email": " Alice@Example.com"}, "duration_s": 3600, "reason": "fraud"})).await;
    assert_eq!(r.status(), 201);
    let d1: Value = r.json().await.unwrap();
    assert_eq!(d1["value"], identity("alice@example.com").key().to_string());
    assert_eq!(d1["ids"]["email"], "alice@example.com");
    assert!(d1["expires_at"].is_string());
    // A user by key, an IP, a CIDR; permanent.
    let key = identity("bob@example.com").key().to_string();
    let d2: Value = post(json!({"app": app, "scope": "user", "value": key}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(d2["expires_at"], Value::Null);
    let d3: Value = post(json!({"app": app, "scope": "ip", "value": "::ffff:203.0.113.7"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(d3["value"], "203.0.113.7");
    let d4: Value = post(json!({"app": app, "scope": "cidr", "value": "198.51.100.7/24"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(d4["value"], "198.51.100.0/24");
    for bad in [
        json!({"app": app, "scope": "ip", "value": "nope"}),
        json!({"app": app, "scope": "cidr", "value": "1.2.3.4/99"}),
        json!({"app": app, "scope": "user", "value": "u_zz"}),
        json!({"app": app, "scope": "user"}),
        json!({"app": app, "scope": "planet", "value": "x"}),
        json!({"app": app, "scope": "ip", "value": "1.2.3.4", "duration_s": 0}),
    ] {
        assert_eq!(post(bad.clone()).await.status(), 400, "{bad}");
    }
    assert_eq!(
        post(json!({"app": 999, "scope": "ip", "value": "1.2.3.4"}))
            .await
            .status(),
        404
    );

    let f = s.feed(&token, 0, 0).await;
    assert_eq!(f["reset"], true);
    assert_eq!(f["upserts"].as_array().unwrap().len(), 4);
    let c1 = f["cursor"].as_u64().unwrap();
    assert_eq!(f["upserts"][0]["ids"]["email"], "alice@example.com");

    // Nothing new: an immediate empty answer with wait=0 ...
    let f = s.feed(&token, c1, 0).await;
    assert_eq!(
        f,
        json!({"cursor": c1, "reset": false, "upserts": [], "deletes": []})
    );
    // ... and a long poll that a delete wakes well before its wait ends.
    let poll = {
        let c = s.client.clone();
        let url = s.url(&format!("/v1/decisions?cursor={c1}&wait=20"));
        let token = token.clone();
        tokio::spawn(async move {
            let t0 = std::time::Instant::now();
            let v: Value = c
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            (v, t0.elapsed())
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let id = d3["id"].as_str().unwrap();
    let r = s
        .client
        .delete(s.url(&format!("/api/decisions/{id}")))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let (f, took) = poll.await.unwrap();
    assert!(took.as_secs_f64() < 2.0, "woken in {took:?}");
    assert_eq!(f["deletes"], json!([id]));
    assert_eq!(f["reset"], false);
    assert!(f["cursor"].as_u64().unwrap() > c1);
    let r = s
        .client
        .delete(s.url(&format!("/api/decisions/{id}")))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // A long poll with nothing happening returns at its wait with the same cursor.
    let c2 = f["cursor"].as_u64().unwrap();
    let t0 = std::time::Instant::now();
    let f = s.feed(&token, c2, 1).await;
    assert!(t0.elapsed().as_millis() >= 900);
    assert_eq!(f["cursor"].as_u64().unwrap(), c2);
    // A cursor from the future (e.g. a recreated database) gets a reset.
    let f = s.feed(&token, c2 + 1000, 0).await;
    assert_eq!(f["reset"], true);
    assert_eq!(f["upserts"].as_array().unwrap().len(), 3);

    let (_, list) = s.admin_get(&format!("/api/decisions?app={app}")).await;
    assert_eq!(list.as_array().unwrap().len(), 3);
    assert_eq!(list[0]["source"], "admin");

    // Bad parameters.
    let r = s
        .client
        .get(s.url("/v1/decisions?cursor=abc"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = s.client.get(s.url("/v1/decisions")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    s.stop().await;
}

#[tokio::test]
async fn tenant_isolation() {
    let mut s = TestServer::start().await;
    let (a, token_a) = s.create_app("a").await;
    let (b, token_b) = s.create_app("b").await;
    let r = s
        .client
        .post(s.url("/api/decisions"))
        .bearer_auth(ADMIN)
        .json(&json!({"app": b, "scope": "ip", "value": "203.0.113.9"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let fa = s.feed(&token_a, 0, 0).await;
    assert_eq!(fa["upserts"], json!([]), "A sees none of B's decisions");
    let fb = s.feed(&token_b, 0, 0).await;
    assert_eq!(fb["upserts"].as_array().unwrap().len(), 1);
    // Asking for another app's resource with a valid token: 403.
    let r = s
        .client
        .get(s.url(&format!("/v1/decisions?app={b}")))
        .bearer_auth(&token_a)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = s
        .client
        .get(s.url(&format!("/v1/decisions?app={a}")))
        .bearer_auth(&token_a)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Events go to the token's app only, and ids are unique per app, not globally.
    let e = event("auth.success", "same@example.com", "192.0.2.1", now_ms());
    assert_eq!(
        s.post_batch(&token_a, std::slice::from_ref(&e))
            .await
            .json::<Value>()
            .await
            .unwrap()["accepted"],
        1
    );
    assert_eq!(
        s.post_batch(&token_b, &[e])
            .await
            .json::<Value>()
            .await
            .unwrap()["accepted"],
        1
    );
    let (_, ea) = s.admin_get(&format!("/api/events?app={a}")).await;
    let (_, eb) = s.admin_get(&format!("/api/events?app={b}")).await;
    assert_eq!(
        (ea.as_array().unwrap().len(), eb.as_array().unwrap().len()),
        (1, 1)
    );
    s.stop().await;
}

#[tokio::test]
async fn attack_blocks_ip_and_admin_views_show_it() {
    let mut s = TestServer::start().await;
    let (app, token) = s.create_app("a").await;
    let t = now_ms() - 60_000;
    let events = stuffing("203.0.113.50", t, 20);
    // Sent as several batches, as an SDK would.
    for chunk in events.chunks(7) {
        assert_eq!(s.post_batch(&token, chunk).await.status(), 202);
    }
    let d = s
        .wait_for_decision(&token, 10, |d| {
            d["scope"] == "ip" && d["value"] == "203.0.113.50"
        })
        .await
        .expect("IP block decision");
    assert_eq!(d["action"], "block");
    assert!(d["reason"].as_str().unwrap().starts_with("playbook:"));
    assert!(d["expires_at"].is_string());

    let (_, runs) = s.admin_get(&format!("/api/playbooks?app={app}")).await;
    assert!(runs["playbooks"].as_array().unwrap().len() >= 3);
    assert!(runs["runs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["action"] == "block_ip"));
    // Users whose risk went up, incidents from the default playbook, notification attempts
    // (no "default" target is configured, so they fail and are recorded).
    let (_, users) = s
        .admin_get(&format!("/api/users?app={app}&sort=risk&limit=5"))
        .await;
    assert_eq!(users.as_array().unwrap().len(), 5);
    let key = users[0]["key"].as_str().unwrap().to_owned();
    let (st, user) = s.admin_get(&format!("/api/users/{key}?app={app}")).await;
    assert_eq!(st, 200);
    assert_eq!(user["identity"]["primary"], "email");
    assert!(!user["events"].as_array().unwrap().is_empty());
    let (st, _) = s
        .admin_get(&format!(
            "/api/users/u_00000000000000000000000000000000?app={app}"
        ))
        .await;
    assert_eq!(st, 404);
    let (st, _) = s.admin_get(&format!("/api/users/bogus?app={app}")).await;
    assert_eq!(st, 400);

    let (_, ips) = s
        .admin_get(&format!("/api/events?app={app}&user={key}"))
        .await;
    assert!(ips
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["user"] == key.as_str()));
    let (_, incidents) = s
        .admin_get(&format!("/api/incidents?app={app}&state=open"))
        .await;
    let _ = incidents.as_array().unwrap();
    if let Some(first) = incidents.as_array().unwrap().first() {
        let id = first["id"].as_str().unwrap();
        let r = s
            .client
            .post(s.url(&format!("/api/incidents/{id}/resolve")))
            .bearer_auth(ADMIN)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let (_, resolved) = s
            .admin_get(&format!("/api/incidents?app={app}&state=resolved"))
            .await;
        assert_eq!(resolved[0]["id"], id);
    }
    let r = s
        .client
        .post(s.url("/api/incidents/i_nope/resolve"))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let (st, _) = s.admin_get("/api/notifications").await;
    assert_eq!(st, 200);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consecutive_polls_never_repeat_or_skip_a_change() {
    let mut s = TestServer::start().await;
    let (app, token) = s.create_app("a").await;
    // An app without decisions: a poll from cursor 0 waits instead of answering resets in a loop.
    let t0 = std::time::Instant::now();
    let f = s.feed(&token, 0, 1).await;
    assert!(t0.elapsed().as_millis() >= 900);
    assert_eq!(
        f,
        json!({"cursor": 0, "reset": true, "upserts": [], "deletes": []})
    );
    consecutive_polls_never_repeat_a_change(&s, &s, app, &token).await;
    s.stop().await;
}
