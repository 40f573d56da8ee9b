//! The calls a host app pays for on its request path, and the worker's encoding throughput.
//!
//! Goals (issue 2): enqueue of an auth event <= 250 ns median; ban check with 100 000 decisions
//! held <= 50 ns; batch encode + gzip >= 1 M events/s. `assess` (the verdict, challenges
//! included) <= 1 µs with the same decisions held.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use vigil_core::decisions::{Action, Decision, Target};
use vigil_core::event::{new_event_id, now_ms, Event, EventKind};
use vigil_core::wire::{encode_batch, gzip, SdkInfo};
use vigil_core::{Client, Config, DeviceId, Identity, Properties, RequestContext, UserKey};

/// Local mode: the worker drains the queue, so the bench measures only the caller's side.
fn local_client() -> Client {
    let mut config = Config::default();
    config.set("flush_interval_ms", "10").unwrap();
    config.set("queue_capacity", "1000000").unwrap();
    Client::new(config).unwrap()
}

fn enqueue(c: &mut Criterion) {
    let client = local_client();
    let ctx = RequestContext::from_parts(Some("203.0.113.7"), None, None, None).unwrap();
    let mut g = c.benchmark_group("enqueue");
    g.bench_function("auth_track 1 identifier", |b| {
        b.iter(|| {
            let id = client
                .identity(black_box(&[("username", "alice")]))
                .unwrap();
            client.track_auth(true, id, None, None)
        })
    });
    g.bench_function("auth_track 3 identifiers", |b| {
        b.iter(|| {
            let id = client
                .identity(black_box(&[
                    ("email", "alice@example.com"),
                    ("username", "alice"),
                    ("platform_id", "42"),
                ]))
                .unwrap();
            client.track_auth(false, id, Some(true), None)
        })
    });
    g.bench_function("auth_track 1 identifier + request context", |b| {
        b.iter(|| {
            let id = client
                .identity(black_box(&[("username", "alice")]))
                .unwrap();
            client.track_auth(false, id, None, Some(ctx.clone()))
        })
    });
    g.finish();
    client.shutdown(Duration::from_secs(1));
}

fn key(i: u32) -> UserKey {
    let mut key = [0u8; 16];
    key[..4].copy_from_slice(&i.to_be_bytes());
    UserKey(key)
}

/// 100 000 decisions: user blocks, every tenth a lockout exempting two devices, and every
/// fourth user challenged instead; plus an IP challenge.
fn decisions() -> Vec<Decision> {
    let expires_at_ms = Some(now_ms() + 3_600_000);
    let mut all: Vec<Decision> = (0..100_000u32)
        .map(|i| Decision {
            id: format!("d_{i}"),
            target: Target::User(key(i)),
            action: if i % 4 == 3 {
                Action::Challenge
            } else {
                Action::Block
            },
            expires_at_ms,
            reason: "bench".into(),
            except_devices: match i % 10 {
                0 => Box::new([DeviceId(1), DeviceId(2)]),
                _ => Box::default(),
            },
        })
        .collect();
    all.push(Decision {
        id: "d_ip".into(),
        target: Target::Ip("198.51.100.1".parse().unwrap()),
        action: Action::Challenge,
        expires_at_ms,
        reason: "bench".into(),
        except_devices: Box::default(),
    });
    all
}

fn ban_check(c: &mut Criterion) {
    let client = local_client();
    client.decisions().update(1, true, decisions(), &[]);
    let held = key(777);
    let absent = Identity::new(&[("username", "alice")], None).unwrap().key();
    let ip = "203.0.113.7".parse().unwrap();
    let mut g = c.benchmark_group("ban check (100k decisions)");
    g.bench_function("user not banned", |b| {
        b.iter(|| client.user_blocked(black_box(&absent), None))
    });
    g.bench_function("user banned", |b| {
        b.iter(|| client.user_blocked(black_box(&held), None))
    });
    g.bench_function("ip not banned", |b| {
        b.iter(|| client.ip_blocked(black_box(&ip)))
    });
    g.finish();

    let request = |ip: &str, device: Option<DeviceId>| {
        let mut r = RequestContext::from_parts(Some(ip), None, None, None).unwrap();
        r.device = device;
        r
    };
    let plain = request("203.0.113.7", Some(DeviceId(9)));
    let known = request("203.0.113.7", Some(DeviceId(2)));
    let challenged_ip = request("198.51.100.1", None);
    let (locked, challenged) = (key(10), key(3));
    let mut g = c.benchmark_group("assess (100k decisions)");
    g.bench_function("allow", |b| {
        b.iter(|| client.assess(black_box(Some(&absent)), black_box(Some(&plain))))
    });
    g.bench_function("deny (user blocked)", |b| {
        b.iter(|| client.assess(black_box(Some(&held)), black_box(Some(&plain))))
    });
    g.bench_function("allow (lockout, known device)", |b| {
        b.iter(|| client.assess(black_box(Some(&locked)), black_box(Some(&known))))
    });
    g.bench_function("challenge (user and ip)", |b| {
        b.iter(|| {
            client.assess(
                black_box(Some(&challenged)),
                black_box(Some(&challenged_ip)),
            )
        })
    });
    g.bench_function("no user, ip fallback", |b| {
        b.iter(|| client.assess(None, black_box(Some(&plain))))
    });
    g.finish();
}

fn encode(c: &mut Criterion) {
    let sdk = SdkInfo {
        name: "vigil-rust".into(),
        version: "0.1.0".into(),
        instance: "bench".into(),
        lang: "rust".into(),
    };
    let events: Vec<Event> = (0..500)
        .map(|i| {
            let ts = now_ms();
            Event {
                id: Some(new_event_id(ts)),
                ts_ms: ts,
                kind: if i % 3 == 0 {
                    EventKind::AuthSuccess
                } else {
                    EventKind::AuthFailure { exists: Some(true) }
                },
                user: Some(
                    Identity::new(&[("email", format!("user{i}@example.com"))], None).unwrap(),
                ),
                request: Some(
                    RequestContext::from_parts(
                        Some("203.0.113.7"),
                        Some("Mozilla/5.0 (X11; Linux x86_64)"),
                        Some("POST"),
                        Some("/login"),
                    )
                    .unwrap(),
                ),
                properties: Properties::new(),
            }
        })
        .collect();
    let mut g = c.benchmark_group("batch");
    g.throughput(Throughput::Elements(events.len() as u64));
    g.bench_function("encode + gzip 500 auth events", |b| {
        b.iter_batched(
            || Vec::with_capacity(256 * 1024),
            |mut out| {
                encode_batch(&sdk, &events, &mut out);
                gzip(&out)
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = enqueue, ban_check, encode
}
criterion_main!(benches);
