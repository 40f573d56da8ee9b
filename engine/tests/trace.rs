//! Traces: generation is deterministic, replay is deterministic, and the defaults catch
//! every generated attack episode without blocking a benign user.

mod common;

use common::small_config;
use vigil_engine::trace::{evaluate, generate, read_trace, write_trace, GenerateOptions};
use vigil_engine::{Effect, Engine};

fn effects_json(records: &[vigil_engine::trace::TraceRecord]) -> Vec<String> {
    let mut engine = Engine::new(small_config());
    let mut lines = Vec::new();
    evaluate(records, &mut engine, |label, e: &Effect| {
        lines.push(format!("{label} {}", serde_json::to_string(e).unwrap()));
    })
    .unwrap();
    lines
}

#[test]
fn same_trace_same_effects() {
    let opts = GenerateOptions {
        seed: 42,
        minutes: 30,
        benign_users: 500,
        ..Default::default()
    };
    let a = generate(&opts);
    let b = generate(&opts);
    assert_eq!(a, b);
    let c = generate(&GenerateOptions { seed: 43, ..opts });
    assert_ne!(a, c);

    // Through the file format and back.
    let mut buf = Vec::new();
    write_trace(&mut buf, &a).unwrap();
    let back = read_trace(buf.as_slice()).unwrap();
    assert_eq!(back, a);

    let first = effects_json(&a);
    let second = effects_json(&back);
    assert!(first.len() > 50);
    assert_eq!(first, second);
}

#[test]
fn defaults_catch_every_episode_and_block_no_benign_user() {
    for seed in [7, 2024] {
        let records = generate(&GenerateOptions {
            seed,
            minutes: 90,
            ..Default::default()
        });
        let mut engine = Engine::new(small_config());
        let report = evaluate(&records, &mut engine, |_, _| {}).unwrap();
        println!("seed {seed}\n{report}");
        assert_eq!(report.kinds.len(), 7);
        for k in &report.kinds {
            assert!(k.episodes > 0, "{}", k.kind);
            assert_eq!(k.caught, k.episodes, "{} missed", k.kind);
        }
        assert!(report.all_caught());
        assert_eq!(report.benign_users_blocked, 0);
        assert_eq!(report.benign_ips_blocked, 0);
        assert_eq!(report.benign_users_flagged, 0);
        let kind = |name: &str| report.kinds.iter().find(|k| k.kind == name).unwrap();
        assert!(kind("takeover_after_stuffing")
            .signals
            .contains("likely_takeover"));
        assert!(kind("distributed_brute_force")
            .signals
            .contains("distributed_brute_force"));
        for blocking in ["brute_force", "credential_stuffing", "account_enumeration"] {
            let k = kind(blocking);
            assert_eq!(k.blocked, k.episodes, "{blocking} not blocked");
        }
    }
}
