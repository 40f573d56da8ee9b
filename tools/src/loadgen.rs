//! Load generator for the benchmarks in docs/server.md (`vigil-tools loadgen`): batch ingest
//! throughput and ack latency, and decision propagation to many long polls.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Subcommand;
use parking_lot::Mutex;
use vigil_core::event::Event;
use vigil_core::wire::{encode_batch, gzip, DecisionFeed};
use vigil_core::Identity;

use crate::error::{failed, Error, Result};
use crate::events::{login, sdk};
use crate::stats::percentile;

#[derive(Subcommand, Debug)]
pub enum Mode {
    /// Posts pre-built gzip batches from several connections; prints events/s and latency.
    Ingest {
        #[arg(long, default_value = "http://127.0.0.1:8470")]
        url: String,
        #[arg(long)]
        token: String,
        #[arg(long, default_value_t = 200_000)]
        events: usize,
        #[arg(long, default_value_t = 1000)]
        batch: usize,
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
        #[arg(long, default_value_t = 50_000)]
        users: usize,
    },
    /// Holds N long polls, creates decisions through the admin API and measures how long each
    /// takes to reach every poller.
    Poll {
        #[arg(long, default_value = "http://127.0.0.1:8470")]
        url: String,
        /// A second instance to create decisions on (default: the same as --url).
        #[arg(long)]
        admin_url: Option<String>,
        #[arg(long)]
        token: String,
        #[arg(long)]
        admin_token: String,
        #[arg(long)]
        app: i64,
        #[arg(long, default_value_t = 1000)]
        pollers: usize,
        #[arg(long, default_value_t = 20)]
        decisions: usize,
        #[arg(long, default_value_t = 250)]
        interval_ms: u64,
    },
}

pub async fn run(mode: Mode) -> Result<()> {
    match mode {
        Mode::Ingest {
            url,
            token,
            events,
            batch,
            concurrency,
            users,
        } => ingest(&url, &token, events, batch, concurrency, users).await,
        Mode::Poll {
            url,
            admin_url,
            token,
            admin_token,
            app,
            pollers,
            decisions,
            interval_ms,
        } => {
            let admin_url = admin_url.unwrap_or_else(|| url.clone());
            poll(
                &url,
                &admin_url,
                &token,
                &admin_token,
                app,
                pollers,
                decisions,
                interval_ms,
            )
            .await
        }
    }
}

/// Builds gzip batch bodies the way the SDKs do (vigil-core's encoder).
pub fn build_batches(events: usize, batch: usize, users: usize, seed_ts: i64) -> Vec<Vec<u8>> {
    let sdk = sdk("vigil-loadgen", "loadgen");
    let identities: Vec<Identity> = (0..users.max(1))
        .map(|n| Identity::new(&[("email", format!("user{n}@example.com"))], None).expect("valid"))
        .collect();
    let mut out = Vec::new();
    let mut made = 0;
    while made < events {
        let n = batch.min(events - made);
        let evs: Vec<Event> = (0..n)
            .map(|i| {
                let k = made + i;
                let ts = seed_ts + k as i64;
                let ip = format!("10.{}.{}.{}", (k >> 16) & 255, (k >> 8) & 255, k & 255);
                let failed = (k % 10 == 0).then_some(true);
                login(
                    ts,
                    failed,
                    &identities[k % identities.len()],
                    &ip,
                    "loadgen",
                )
            })
            .collect();
        let mut json = Vec::new();
        encode_batch(&sdk, evs.iter(), &mut json);
        out.push(gzip(&json));
        made += n;
    }
    out
}

async fn ingest(
    url: &str,
    token: &str,
    events: usize,
    batch: usize,
    concurrency: usize,
    users: usize,
) -> Result<()> {
    let bodies = Arc::new(build_batches(
        events,
        batch,
        users,
        vigil_server::state::now_ms(),
    ));
    let client = reqwest::Client::new();
    let next = Arc::new(AtomicUsize::new(0));
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(bodies.len())));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (bodies, client, next, latencies) = (
            bodies.clone(),
            client.clone(),
            next.clone(),
            latencies.clone(),
        );
        let endpoint = format!("{url}/v1/batch");
        let token = token.to_owned();
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(body) = bodies.get(i) else {
                    return Ok::<(), Error>(());
                };
                let mut attempt = 0;
                loop {
                    let t0 = Instant::now();
                    let resp = client
                        .post(&endpoint)
                        .bearer_auth(&token)
                        .header("content-type", "application/json")
                        .header("content-encoding", "gzip")
                        .body(body.clone())
                        .send()
                        .await;
                    match resp {
                        Ok(r) if r.status().as_u16() == 202 => {
                            latencies.lock().push(t0.elapsed().as_secs_f64());
                            break;
                        }
                        Ok(r) if r.status().is_client_error() => {
                            return Err(failed(format!("batch rejected: {}", r.status())));
                        }
                        _ => {
                            attempt += 1;
                            if attempt > 20 {
                                return Err(failed("too many retries"));
                            }
                            tokio::time::sleep(Duration::from_millis(100 * attempt)).await;
                        }
                    }
                }
            }
        }));
    }
    for t in tasks {
        t.await??;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut lat = latencies.lock().clone();
    lat.sort_by(f64::total_cmp);
    println!(
        "ingest: {events} events in {} batches of {batch}, concurrency {concurrency}: {:.2} s, {:.0} events/s; ack latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        bodies.len(),
        elapsed,
        events as f64 / elapsed,
        percentile(&lat, 0.5) * 1e3,
        percentile(&lat, 0.99) * 1e3,
        lat.last().copied().unwrap_or(f64::NAN) * 1e3,
    );
    let behind = engine_catch_up(&client, url).await?;
    println!(
        "engine: caught up {:.2} s after the last ack ({:.0} events/s from first batch to caught up)",
        behind,
        events as f64 / (elapsed + behind),
    );
    Ok(())
}

/// Seconds until the server's engine runner has processed every stored event (its lag gauge
/// reads 0 twice in a row; during a burst it gives way to ingest, see priority.rs).
async fn engine_catch_up(client: &reqwest::Client, url: &str) -> Result<f64> {
    let started = Instant::now();
    let mut zero_reads = 0;
    while zero_reads < 2 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let text = client
            .get(format!("{url}/metrics"))
            .send()
            .await?
            .text()
            .await?;
        let lag = text
            .lines()
            .find_map(|l| l.strip_prefix("vigil_engine_lag_events "))
            .and_then(|v| v.trim().parse::<f64>().ok())
            .ok_or_else(|| failed("no vigil_engine_lag_events in /metrics"))?;
        zero_reads = if lag == 0.0 { zero_reads + 1 } else { 0 };
        if started.elapsed() > Duration::from_secs(600) {
            return Err(failed("the engine did not catch up within 10 minutes"));
        }
    }
    Ok(started.elapsed().as_secs_f64() - 0.2)
}

#[allow(clippy::too_many_arguments)]
async fn poll(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_are_what_ingest_accepts() {
        let bodies = build_batches(2500, 1000, 7, 1_700_000_000_000);
        assert_eq!(bodies.len(), 3);
        let mut users = std::collections::HashSet::new();
        let mut total = 0;
        for body in &bodies {
            let events =
                vigil_server::ingest::gunzip(body, vigil_server::ingest::parse_batch).unwrap();
            total += events.len();
            users.extend(events.into_iter().filter_map(|e| e.user_key));
        }
        assert_eq!(total, 2500);
        assert_eq!(users.len(), 7);
    }
}
