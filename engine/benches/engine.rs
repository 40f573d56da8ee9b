//! Throughput of `Engine::process` on one core with a realistic mix: a generated trace of
//! benign traffic (logins, typos, page views, signups) with attack episodes mixed in.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use vigil_engine::trace::{generate, GenerateOptions};
use vigil_engine::{Engine, EngineConfig, Event};

fn events() -> Vec<Event> {
    generate(&GenerateOptions {
        seed: 1,
        minutes: 60,
        benign_users: 50_000,
        ..Default::default()
    })
    .iter()
    .map(|r| r.to_event().expect("generated records are valid"))
    .collect()
}

fn config() -> EngineConfig {
    let mut cfg = EngineConfig::default();
    // Enough for every key in the trace, without paying to allocate a million-entry map
    // for each batch.
    cfg.limits.max_users = 200_000;
    cfg.limits.max_ips = 200_000;
    cfg
}

fn process(c: &mut Criterion) {
    let events = events();
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.measurement_time(Duration::from_secs(20));
    group.sample_size(20);
    group.bench_function(format!("process_{}_events", events.len()), |b| {
        b.iter_batched(
            || Engine::new(config()),
            |mut engine| {
                let mut out = Vec::with_capacity(64);
                for e in &events {
                    engine.process(e, &mut out);
                    out.clear();
                }
                engine
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, process);
criterion_main!(benches);
