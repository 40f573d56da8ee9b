//! Decision propagation: N long polls held open while decisions are created through the
//! admin API, each timed from its creation to its arrival at every poller.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use vigil_protocol::wire::DecisionFeed;

use crate::error::{failed, Result};
use crate::stats::percentile;

#[allow(clippy::too_many_arguments)]
pub(super) async fn run(
    url: &str,
    admin_url: &str,
    token: &str,
    admin_token: &str,
    app: i64,
    pollers: usize,
    decisions: usize,
    interval_ms: u64,
) -> Result<()> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(pollers + 16)
        .build()?;
    let seen: Arc<Mutex<HashMap<String, Vec<Instant>>>> = Arc::default();
    let ready = Arc::new(AtomicUsize::new(0));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut tasks = Vec::new();
    for _ in 0..pollers {
        let (client, seen, ready, mut stop) =
            (client.clone(), seen.clone(), ready.clone(), stop_rx.clone());
        let endpoint = format!("{url}/v1/decisions");
        let token = token.to_owned();
        tasks.push(tokio::spawn(async move {
            let mut cursor = 0u64;
            let mut first = true;
            loop {
                let wait = if first { 0 } else { 30 };
                let req = client
                    .get(&endpoint)
                    .bearer_auth(&token)
                    .query(&[("cursor", cursor), ("wait", wait)])
                    .send();
                let resp = tokio::select! {
                    r = req => r,
                    _ = stop.changed() => return,
                };
                let Ok(resp) = resp else {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                };
                let Ok(feed) = resp.json::<DecisionFeed>().await else {
                    continue;
                };
                let now = Instant::now();
                if !first {
                    let mut s = seen.lock();
                    for d in &feed.upserts {
                        s.entry(d.id.clone()).or_default().push(now);
                    }
                }
                cursor = feed.cursor;
                if first {
                    first = false;
                    ready.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    while ready.load(Ordering::Relaxed) < pollers {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Let every poller get back into its wait.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let mut created = Vec::new();
    for k in 0..decisions {
        let t0 = Instant::now();
        let resp = client
            .post(format!("{admin_url}/api/decisions"))
            .bearer_auth(admin_token)
            .json(&serde_json::json!({
                "app": app, "scope": "ip",
                "value": format!("198.51.{}.{}", k / 250, k % 250 + 1),
                "duration_s": 600, "reason": "loadgen"
            }))
            .send()
            .await?;
        let v: serde_json::Value = resp.json().await?;
        let id = v["id"]
            .as_str()
            .ok_or_else(|| failed("no decision id"))?
            .to_owned();
        created.push((id, t0));
        tokio::time::sleep(Duration::from_millis(interval_ms)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let done = {
            let s = seen.lock();
            created
                .iter()
                .all(|(id, _)| s.get(id).is_some_and(|v| v.len() >= pollers))
        };
        if done || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = stop_tx.send(true);
    let s = seen.lock();
    let mut lat = Vec::new();
    let mut missing = 0;
    for (id, t0) in &created {
        let got = s.get(id).map_or(&[][..], |v| &v[..]);
        missing += pollers.saturating_sub(got.len());
        lat.extend(got.iter().map(|t| t.duration_since(*t0).as_secs_f64()));
    }
    lat.sort_by(f64::total_cmp);
    println!(
        "propagation: {decisions} decisions to {pollers} long polls: {} deliveries, {missing} missing; p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        lat.len(),
        percentile(&lat, 0.5) * 1e3,
        percentile(&lat, 0.99) * 1e3,
        lat.last().copied().unwrap_or(f64::NAN) * 1e3,
    );
    for t in tasks {
        t.abort();
    }
    Ok(())
}
