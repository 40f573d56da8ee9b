//! Ingest throughput: pre-built batches posted from several connections, each acknowledged
//! (202) or retried, then the time the engine runner takes to catch up.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::batches::build_batches;
use crate::error::{failed, Error, Result};
use crate::stats::percentile;

pub(super) async fn run(
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
