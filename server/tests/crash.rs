//! `kill -9` during a stream of batches: no acknowledged event is lost, and after the client
//! resends what was not acknowledged (same ids), nothing is stored twice. SIGTERM during a
//! stream: in-flight batches are finished and answered, and the process exits cleanly. Runs
//! the real binary.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_vigil-server");

fn spawn(db: &str, port: u16) -> Child {
    Command::new(BIN)
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--db",
            db,
        ])
        .env("VIGIL_ADMIN_TOKEN", ADMIN)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

async fn wait_ready(client: &reqwest::Client, port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(r) = client
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
        {
            if r.status() == 200 {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server did not become ready");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn create_app(db: &str) -> String {
    // `app create` prints the token as its last line.
    let out = Command::new(BIN)
        .args(["app", "create", "crash", "--db", db])
        .output()
        .unwrap();
    assert!(out.status.success());
    let token = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .trim()
        .to_owned();
    assert!(token.starts_with("vga_"));
    token
}

/// 60 batches of 200 events, built up front so retries resend identical ids.
fn batches() -> Vec<Vec<Value>> {
    let t = now_ms() - 3_600_000;
    (0..60)
        .map(|b| {
            (0..200)
                .map(|i| {
                    event(
                        "auth.success",
                        &format!("u{}@example.com", (b * 200 + i) % 997),
                        "192.0.2.1",
                        t + b * 200 + i,
                    )
                })
                .collect()
        })
        .collect()
}

async fn stored(db: &str) -> (i64, i64) {
    let pool = sqlx::SqlitePool::connect(db).await.unwrap();
    let counts = sqlx::query_as("SELECT COUNT(*), COUNT(DISTINCT event_id) FROM events")
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_in_flight_batches_and_exits_cleanly() {
    let (_dir, db) = temp_db();
    let token = create_app(&db);
    let port = free_port();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let mut child = spawn(&db, port);
    wait_ready(&client, port).await;

    let url = format!("http://127.0.0.1:{port}/v1/batch");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    for (lane, lane_batches) in batches().chunks(15).enumerate() {
        let (tx, client, url, token) = (tx.clone(), client.clone(), url.clone(), token.clone());
        let lane_batches = lane_batches.to_vec();
        tokio::spawn(async move {
            for (i, b) in lane_batches.into_iter().enumerate() {
                let acked = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&serde_json::json!({"sdk": sdk(), "events": b}))
                    .send()
                    .await
                    .is_ok_and(|r| r.status() == 202);
                let _ = tx.send((lane * 15 + i, acked));
            }
        });
    }
    drop(tx);
    let mut acked = 0;
    let mut answered = 0;
    let mut signalled = false;
    while let Some((_, ok)) = rx.recv().await {
        answered += 1;
        acked += usize::from(ok);
        if answered == 20 && !signalled {
            signalled = true;
            // SAFETY: plain kill(2) on our own child's pid.
            assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
        }
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "no exit within 20 s of SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status}");
    assert!((20..60).contains(&acked), "acked {acked}");
    // Every batch stored was answered 202 and every 202 was stored: none cut in half.
    let (rows, distinct) = stored(&db).await;
    assert_eq!(rows, acked as i64 * 200);
    assert_eq!(distinct, rows);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_loses_no_acknowledged_event_and_stores_no_duplicate() {
    let (_dir, db) = temp_db();
    let token = create_app(&db);

    let port = free_port();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let mut first = Some(spawn(&db, port));
    wait_ready(&client, port).await;

    let batches = batches();
    let url = format!("http://127.0.0.1:{port}/v1/batch");
    let (c2, t2) = (client.clone(), token.clone());
    let send = move |batch: Vec<Value>| {
        let (client, url, token) = (c2.clone(), url.clone(), t2.clone());
        async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&serde_json::json!({"sdk": sdk(), "events": batch}))
                .send()
                .await
                .ok()
                .filter(|r| r.status() == 202)
        }
    };
    // Four concurrent senders; the server is killed while they run.
    let mut acked = vec![false; batches.len()];
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    for lane in 0..4 {
        let tx = tx.clone();
        let mine: Vec<(usize, Vec<Value>)> = batches
            .iter()
            .cloned()
            .enumerate()
            .filter(|(i, _)| i % 4 == lane)
            .collect();
        let send = send.clone();
        tokio::spawn(async move {
            for (i, b) in mine {
                let ok = send(b).await.is_some();
                let _ = tx.send((i, ok));
            }
        });
    }
    drop(tx);
    let mut done = 0;
    while let Some((i, ok)) = rx.recv().await {
        acked[i] = ok;
        done += 1;
        if done == 25 {
            if let Some(mut child) = first.take() {
                child.kill().unwrap(); // SIGKILL
                child.wait().unwrap();
            }
        }
    }
    let acked_count = acked.iter().filter(|a| **a).count();
    assert!((20..60).contains(&acked_count), "acked {acked_count}");

    let mut child = spawn(&db, port);
    wait_ready(&client, port).await;
    // The SDK retries every batch it has no 202 for, with the same event ids; resend two
    // acknowledged ones as well, as a client that lost the 202 would.
    let mut duplicates = 0;
    let mut accepted = 0;
    for (i, b) in batches.iter().enumerate() {
        if !acked[i] || i < 2 {
            let r = send(b.clone()).await.expect("accepted after restart");
            let v: Value = r.json().await.unwrap();
            duplicates += v["duplicates"].as_u64().unwrap();
            accepted += v["accepted"].as_u64().unwrap();
        }
    }
    assert!(
        duplicates >= 400,
        "the acknowledged batches were stored: {duplicates}"
    );
    let _ = accepted;

    // Count what is stored: exactly one row per event id sent.
    let (rows, distinct) = stored(&db).await;
    assert_eq!(rows, 60 * 200);
    assert_eq!(distinct, rows);
    child.kill().unwrap();
    child.wait().unwrap();
}
