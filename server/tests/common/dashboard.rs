//! The dashboard's store queries against a real back end (SQLite or PostgreSQL): the events
//! rollup counts each event exactly once while instances race to fold, searches go through the
//! identifier index, and keyset pages cover every user once in order.

use std::collections::BTreeSet;

use serde_json::Value;
use vigil_protocol::Identity;
use vigil_protocol::{new_event_id, Event, EventKind, Properties, RequestContext};
use vigil_server::config::Config;
use vigil_server::store::dashboard::{UserOrder, UsersQuery};

use super::{now_ms, TestServer, ADMIN};

const USERS: usize = 30;

fn ids(n: usize) -> Identity {
    if n % 3 == 0 {
        Identity::new(
            &[
                ("email", format!("user{n}@example.com")),
                ("username", format!("handle{n}")),
            ],
            None,
        )
    } else {
        Identity::new(&[("email", format!("user{n}@example.com"))], None)
    }
    .unwrap()
}

fn login(n: usize, ok: bool, ts_ms: i64) -> Value {
    let ev = Event {
        id: Some(new_event_id(ts_ms)),
        ts_ms,
        kind: if ok {
            EventKind::AuthSuccess
        } else {
            EventKind::AuthFailure { exists: Some(true) }
        },
        user: Some(ids(n)),
        request: Some(
            RequestContext::from_parts(Some("192.0.2.1"), Some("t"), None, None).unwrap(),
        ),
        properties: Properties::new(),
    };
    let mut out = Vec::new();
    vigil_protocol::wire::encode_event(&ev, &mut out);
    serde_json::from_slice(&out).unwrap()
}

fn login_from(n: usize, ip: &str, ts_ms: i64) -> Value {
    let ev = Event {
        id: Some(new_event_id(ts_ms)),
        ts_ms,
        kind: EventKind::AuthFailure { exists: Some(true) },
        user: Some(ids(n)),
        request: Some(RequestContext::from_parts(Some(ip), Some("t"), None, None).unwrap()),
        properties: Properties::new(),
    };
    let mut out = Vec::new();
    vigil_protocol::wire::encode_event(&ev, &mut out);
    serde_json::from_slice(&out).unwrap()
}

/// Runs every check on `servers` (one or more instances sharing `db`).
pub async fn checks(servers: &[&TestServer], db: &str) {
    let s = servers[0];
    let (app, token) = s.create_app("dash").await;
    // Whole minutes apart, so each event's minute is known.
    let minute0 = now_ms() / 60_000 - 10;
    let events: Vec<Value> = (0..USERS)
        .flat_map(|n| {
            [
                login(n, true, minute0 * 60_000 + n as i64),
                login(n, n % 2 == 0, (minute0 + 1) * 60_000 + n as i64),
            ]
        })
        .collect();
    // Sent in small batches spread over the instances, each batch twice (an SDK retry).
    for (i, chunk) in events.chunks(7).enumerate() {
        let on = servers[i % servers.len()];
        assert_eq!(on.post_batch(&token, chunk).await.status(), 202);
        let again = servers[(i + 1) % servers.len()]
            .post_batch(&token, chunk)
            .await;
        assert_eq!(
            again.json::<Value>().await.unwrap()["duplicates"],
            chunk.len()
        );
    }
    let store = vigil_server::store::open(db, &Config::default())
        .await
        .unwrap();
    // This handle folds too, racing the servers' own rollup tasks.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        while store.roll_up_events().await.unwrap() > 0 {}
        let rows = store.event_minutes(app, minute0).await.unwrap();
        let total: i64 = rows.iter().map(|r| r.n).sum();
        if total == events.len() as i64 {
            let count = |m: i64, kind: &str| {
                rows.iter()
                    .filter(|r| r.minute == m && r.kind == kind)
                    .map(|r| r.n)
                    .sum::<i64>()
            };
            assert_eq!(count(minute0, "auth.success"), USERS as i64);
            assert_eq!(count(minute0 + 1, "auth.success"), (USERS / 2) as i64);
            assert_eq!(count(minute0 + 1, "auth.failure"), (USERS / 2) as i64);
            break;
        }
        assert!(
            total < events.len() as i64,
            "counted {total} of {} events",
            events.len()
        );
        assert!(
            std::time::Instant::now() < deadline,
            "rollup stuck at {total}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let counts = store.app_event_counts(now_ms() / 60_000).await.unwrap();
    let mine = counts.iter().find(|c| c.app_id == app).unwrap();
    assert_eq!((mine.last_hour, mine.last_day, mine.retained), (60, 60, 60));

    // Users appear once the engine runner stored them; the trigger indexed their identifiers.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while store
        .users_page(&all_users(app, UserOrder::Risk))
        .await
        .unwrap()
        .len()
        < USERS
    {
        assert!(std::time::Instant::now() < deadline, "users not stored");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let search = |prefix: &str| UsersQuery {
        app,
        order: UserOrder::Risk,
        prefix: Some(prefix.into()),
        after: None,
        limit: 1000,
    };
    let displays = |rows: Vec<vigil_server::store::UserRow>| {
        rows.into_iter().map(|u| u.display).collect::<BTreeSet<_>>()
    };
    let found = displays(store.users_page(&search("user1")).await.unwrap());
    let expected: BTreeSet<String> = (0..USERS)
        .filter(|n| n.to_string().starts_with('1'))
        .map(|n| format!("user{n}@example.com"))
        .collect();
    assert_eq!(found, expected);
    // By another identifier than the primary one, and exactly.
    assert_eq!(
        displays(store.users_page(&search("handle2")).await.unwrap()),
        [
            "user21@example.com".to_owned(),
            "user24@example.com".to_owned(),
            "user27@example.com".to_owned()
        ]
        .into()
    );
    assert_eq!(
        displays(
            store
                .users_page(&search("user7@example.com"))
                .await
                .unwrap()
        )
        .len(),
        1
    );
    assert!(store
        .users_page(&search("nobody"))
        .await
        .unwrap()
        .is_empty());

    keyset_pages(&*store, app).await;

    // A user's decisions, and the counts by scope.
    let key = ids(4).key().to_string();
    for body in [
        serde_json::json!({"app": app, "scope": "user", "value": key, "duration_s": 600}),
        serde_json::json!({"app": app, "scope": "ip", "value": "198.51.100.9"}),
    ] {
        let r = s
            .client
            .post(s.url("/api/decisions"))
            .bearer_auth(ADMIN)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    let on_user = store.decisions_on(app, &key, now_ms()).await.unwrap();
    assert_eq!(on_user.len(), 1);
    assert!(
        store
            .decisions_on(app, &key, now_ms() + 601_000)
            .await
            .unwrap()
            .is_empty(),
        "expired"
    );
    let by_scope = store.decision_counts(app, now_ms()).await.unwrap();
    assert_eq!(by_scope, vec![("ip".to_owned(), 1), ("user".to_owned(), 1)]);
    let named = store
        .users_by_key(
            app,
            &[key.clone(), "u_00000000000000000000000000000000".into()],
        )
        .await
        .unwrap();
    assert_eq!(named.len(), 1);
    assert_eq!(named[0].display, "user4@example.com");

    // Rollup retention drops whole minutes before the cut only.
    assert_eq!(
        store.prune_event_minutes(minute0 + 1).await.unwrap() as usize,
        1
    );
    assert_eq!(
        store
            .event_minutes(app, 0)
            .await
            .unwrap()
            .iter()
            .map(|r| r.n)
            .sum::<i64>(),
        USERS as i64
    );
    // A brute force on user 5: the incident, the run that opened it, the signals behind it.
    let victim = ids(5).key().to_string();
    let attacker = "203.0.113.9";
    let start = now_ms() - 120_000;
    let failures: Vec<Value> = (0..12)
        .map(|i| login_from(5, attacker, start + i * 5000))
        .collect();
    for (i, chunk) in failures.chunks(4).enumerate() {
        assert_eq!(
            servers[i % servers.len()]
                .post_batch(&token, chunk)
                .await
                .status(),
            202
        );
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let incident = loop {
        let (_, list) = s
            .admin_get(&format!("/api/incidents?app={app}&state=open"))
            .await;
        if let Some(i) = list.as_array().and_then(|l| l.first()) {
            break i.clone();
        }
        assert!(std::time::Instant::now() < deadline, "no incident");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(store.open_incident_count(app).await.unwrap(), 1);
    // Now one user has risk: the risk order reads them from users_risky and everyone else
    // from users_by_seen, and pages must cross from one index to the other.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while store
        .user(app, &victim)
        .await
        .unwrap()
        .is_none_or(|u| u.risk <= 0.0)
    {
        assert!(
            std::time::Instant::now() < deadline,
            "victim's risk not stored"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    keyset_pages(&*store, app).await;
    let opened = store.incidents(app, Some("open"), 10).await.unwrap();
    let runs = store
        .incident_runs(app, &[opened[0].seq, -1])
        .await
        .unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].1, incident["playbook"].as_str().unwrap());
    assert!(runs[0].2.contains("risk_increase"), "{}", runs[0].2);
    let by_user = store
        .signals_up_to(app, Some(&victim), None, opened[0].seq, 5)
        .await
        .unwrap();
    assert!(
        by_user.iter().any(|s| s.kind == "brute_force"),
        "{by_user:?}"
    );
    assert!(store
        .signals_up_to(app, Some(&victim), None, opened[0].seq - 100, 5)
        .await
        .unwrap()
        .is_empty());
    let by_ip = store
        .signals_up_to(app, None, Some(attacker), i64::MAX, 5)
        .await
        .unwrap();
    assert!(!by_ip.is_empty());
    // The IP ban comes from the playbook runner just after the incident's step.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while store
        .decisions_on(app, attacker, now_ms())
        .await
        .unwrap()
        .is_empty()
    {
        assert!(std::time::Instant::now() < deadline, "no IP ban");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let blocks = store
        .playbook_runs(app, "block-attacking-ips", 5)
        .await
        .unwrap();
    assert!(
        blocks.iter().any(|r| r.ip.as_deref() == Some(attacker)),
        "{blocks:?}"
    );
}

/// Keyset pages of 7: every user exactly once, in order, in both orders.
async fn keyset_pages(store: &dyn vigil_server::store::Store, app: i64) {
    for order in [UserOrder::Risk, UserOrder::LastSeen] {
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = store
                .users_page(&UsersQuery {
                    app,
                    order,
                    prefix: None,
                    after: after.clone(),
                    limit: 7,
                })
                .await
                .unwrap();
            let Some(last) = page.last() else { break };
            after = Some(vigil_server::store::dashboard::UserCursor {
                risk: last.risk,
                last_seen_ms: last.last_seen_ms,
                user_key: last.user_key.clone(),
            });
            seen.extend(page);
        }
        assert_eq!(seen.len(), USERS, "{order:?}");
        assert_eq!(
            seen.iter()
                .map(|u| &u.user_key)
                .collect::<BTreeSet<_>>()
                .len(),
            USERS
        );
        let whole = store.users_page(&all_users(app, order)).await.unwrap();
        assert_eq!(
            seen.iter().map(|u| &u.user_key).collect::<Vec<_>>(),
            whole.iter().map(|u| &u.user_key).collect::<Vec<_>>()
        );
        for w in whole.windows(2) {
            match order {
                UserOrder::Risk => {
                    assert!((w[0].risk, w[0].last_seen_ms) >= (w[1].risk, w[1].last_seen_ms))
                }
                UserOrder::LastSeen => assert!(w[0].last_seen_ms >= w[1].last_seen_ms),
            }
        }
    }
}

/// Every user of `app`, one page.
fn all_users(app: i64, order: UserOrder) -> UsersQuery {
    UsersQuery {
        app,
        order,
        prefix: None,
        after: None,
        limit: 1000,
    }
}
