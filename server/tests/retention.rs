//! Retention against a real SQLite file: events older than the limit go, in seq order, but
//! never one the engine has not processed; the per-user event index follows them. Also the
//! users upsert the engine runner makes.

mod common;

use common::temp_db;
use vigil_server::config::Config;
use vigil_server::store::{self, Batch, Effects, EngineFields, NewEvent};

fn events(first: u8, n: u8) -> Vec<NewEvent> {
    (first..first + n)
        .map(|i| NewEvent {
            event_id: [i; 16],
            ts_ms: 1_000 + i64::from(i),
            kind: "auth.success",
            user_key: Some(format!("email:u{i}@example.com")),
            ip: Some("192.0.2.1".into()),
            data: "{}".into(),
            engine: EngineFields::default(),
        })
        .collect()
}

#[tokio::test]
async fn prunes_old_processed_events_only() {
    let (_dir, db) = temp_db();
    let store = store::open(&db, &Config::default()).await.unwrap();
    let app = store.create_app("ret", &[7; 32], 0).await.unwrap().id;
    // Three batches received at t = 1 000, 2 000 and 3 000.
    for (k, now) in [(0u8, 1_000), (10, 2_000), (20, 3_000)] {
        let batch = events(k, 10);
        let n = store
            .insert_events(
                &[Batch {
                    app,
                    events: &batch,
                }],
                now,
            )
            .await
            .unwrap();
        assert_eq!(n, vec![10]);
    }
    let all = store.events_after(0, 100).await.unwrap();
    assert_eq!(all.len(), 30);
    // The engine has processed the first 25 events, and indexed each by user.
    let fx = Effects {
        user_events: all
            .iter()
            .take(25)
            .map(|e| (app, e.user_key.clone().unwrap(), e.seq))
            .collect(),
        progress: all[24].seq,
        ..Effects::default()
    };
    store.apply(&fx).await.unwrap();

    // Older than 2 500: the first two batches.
    assert_eq!(store.prune(2_500).await.unwrap(), 20);
    let left = store.events_after(0, 100).await.unwrap();
    assert_eq!(left.first().map(|e| e.seq), Some(all[20].seq));
    // Everything is old now, but events 26 to 30 are not processed yet.
    assert_eq!(store.prune(i64::MAX).await.unwrap(), 5);
    let left = store.events_after(0, 100).await.unwrap();
    assert_eq!(left.len(), 5);
    assert_eq!(left[0].seq, all[25].seq);
    assert_eq!(store.prune(i64::MAX).await.unwrap(), 0);

    let pool = sqlx::SqlitePool::connect(&db).await.unwrap();
    let indexed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM user_events")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(indexed, 0, "the per-user index follows the events");
}

/// The engine runner's users upsert: newest wins, and a sighting that neither changes the
/// risk nor moves last_seen on by a minute writes nothing.
#[tokio::test]
async fn users_upsert_skips_sightings_within_a_minute() {
    let (_dir, db) = temp_db();
    let store = store::open(&db, &Config::default()).await.unwrap();
    let app = store.create_app("seen", &[8; 32], 0).await.unwrap().id;
    let key = "u_000000000000000000000000000000aa";
    let seen = |risk: f64, last_seen_ms: i64| Effects {
        users: vec![store::UserRow {
            app_id: app,
            user_key: key.into(),
            ids: r#"{"email":"a@example.com"}"#.into(),
            primary_key: "email".into(),
            display: "a@example.com".into(),
            risk,
            last_seen_ms,
        }],
        ..Effects::default()
    };
    let stored = || async { store.user(app, key).await.unwrap().unwrap() };
    store.apply(&seen(0.0, 100_000)).await.unwrap();
    // 59 s later at the same risk: unchanged.
    store.apply(&seen(0.0, 159_000)).await.unwrap();
    assert_eq!(stored().await.last_seen_ms, 100_000);
    // A minute later: written.
    store.apply(&seen(0.0, 160_000)).await.unwrap();
    assert_eq!(stored().await.last_seen_ms, 160_000);
    // A second later with a new risk: written.
    store.apply(&seen(2.5, 161_000)).await.unwrap();
    let u = stored().await;
    assert_eq!((u.risk, u.last_seen_ms), (2.5, 161_000));
    // An older sighting (another instance replaying) never goes back.
    store.apply(&seen(9.0, 1_000)).await.unwrap();
    let u = stored().await;
    assert_eq!((u.risk, u.last_seen_ms), (2.5, 161_000));
}
