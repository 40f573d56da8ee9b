//! Playbooks: defaults, cooldown, escalation, opt-in user blocking, TOML configuration.

mod common;

use common::*;
use vigil_engine::{
    default_playbooks, Action, ActionSpec, Effect, Engine, EngineConfig, EngineError, Trigger,
    TriggerFired,
};

const VICTIM: u128 = 0xaaaa;
const ATTACKER: &str = "203.0.113.9";

fn brute_force_burst(start: i64, n: i64) -> Vec<vigil_engine::Event> {
    (0..n)
        .map(|i| fail(start + i * SEC, VICTIM, ATTACKER))
        .collect()
}

#[test]
fn brute_force_blocks_the_attacking_ip_once_and_never_the_victim() {
    let mut e = Engine::new(small_config());
    let out = run(&mut e, &brute_force_burst(T0, 60));
    assert_eq!(ip_blocks(&out), vec![(ip(ATTACKER), HOUR)]);
    assert!(user_blocks(&out).is_empty());
    // The victim's risk rose by 20: the seed's playbook reports it, once.
    let seeds: Vec<_> = out
        .iter()
        .filter_map(|x| match x {
            Effect::Playbook(p) if &*p.playbook == "suspicious-user-behaviors" => Some(p),
            _ => None,
        })
        .collect();
    assert_eq!(seeds.len(), 3);
    assert_eq!(seeds[0].action, Action::Log);
    assert_eq!(seeds[1].action, Action::Incident);
    assert_eq!(
        seeds[2].action,
        Action::Notify {
            targets: vec!["default".into()]
        }
    );
    assert!(matches!(
        seeds[0].trigger,
        TriggerFired::RiskIncrease { .. }
    ));
    assert_eq!(seeds[0].user, Some(VICTIM));
}

#[test]
fn risk_increase_needs_more_than_ten_points_and_cools_down() {
    let mut cfg = small_config();
    cfg.custom.insert("five".into(), 5.0);
    let mut e = Engine::new(cfg);
    let ev = |t: i64| custom(t, VICTIM, "192.0.2.1", "five");
    assert!(actions(&run(&mut e, &[ev(T0), ev(T0 + MIN)])).is_empty()); // exactly 10: not more
    let out = run(&mut e, &[ev(T0 + 2 * MIN)]);
    assert_eq!(actions(&out).len(), 3);
    // The same burst keeps going: cooldown, nothing more for 24 h.
    let burst: Vec<_> = (3..6).map(|i| ev(T0 + i * MIN)).collect();
    assert!(actions(&run(&mut e, &burst)).is_empty());
    // A day later, a new burst fires again.
    let later: Vec<_> = (0..3).map(|i| ev(T0 + DAY + HOUR + i * MIN)).collect();
    assert_eq!(actions(&run(&mut e, &later)).len(), 3);
}

#[test]
fn repeat_offenders_get_escalating_blocks_up_to_the_cap() {
    let mut cfg = small_config();
    cfg.escalation.max_block = vigil_engine::DurationMs::from_hours(4);
    let mut e = Engine::new(cfg);
    let mut durations = Vec::new();
    let mut start = T0;
    for round in 0..5u128 {
        // An enumeration run: 10 unknown accounts in 10 s.
        let evs: Vec<_> = (0..10)
            .map(|i| fail_unknown(start + i * SEC, 1_000 * (round + 1) + i as u128, ATTACKER))
            .collect();
        let blocks = ip_blocks(&run(&mut e, &evs));
        assert_eq!(blocks.len(), 1, "round {round}");
        durations.push(blocks[0].1 / HOUR);
        // Come back right after the block ends.
        start += blocks[0].1 + MIN;
    }
    assert_eq!(durations, vec![1, 2, 4, 4, 4]);
    // While blocked, a new detection does not issue another block.
    let evs: Vec<_> = (0..10)
        .map(|i| fail_unknown(start + i * SEC, 9_000 + i as u128, ATTACKER))
        .collect();
    run(&mut e, &evs);
    let evs: Vec<_> = (0..10)
        .map(|i| fail_unknown(start + 11 * MIN + i * SEC, 9_100 + i as u128, ATTACKER))
        .collect();
    assert!(ip_blocks(&run(&mut e, &evs)).is_empty());
}

#[test]
fn escalation_resets_after_a_quiet_week() {
    let mut e = Engine::new(small_config());
    let run_at = |e: &mut Engine, t: i64, base: u128| {
        let evs: Vec<_> = (0..10)
            .map(|i| fail_unknown(t + i * SEC, base + i as u128, ATTACKER))
            .collect();
        ip_blocks(&run(e, &evs))
    };
    assert_eq!(run_at(&mut e, T0, 100)[0].1, HOUR);
    assert_eq!(run_at(&mut e, T0 + 2 * HOUR, 200)[0].1, 2 * HOUR);
    assert_eq!(run_at(&mut e, T0 + 20 * DAY, 300)[0].1, HOUR);
}

#[test]
fn blocking_users_is_opt_in() {
    let takeover = |e: &mut Engine| {
        let evs = [
            fail(T0, VICTIM, ATTACKER),
            fail(T0 + SEC, VICTIM, ATTACKER),
            fail(T0 + 2 * SEC, VICTIM, ATTACKER),
            success(T0 + 3 * SEC, VICTIM, ATTACKER),
        ];
        run(e, &evs)
    };
    let mut e = Engine::new(small_config());
    let out = takeover(&mut e);
    assert_eq!(signal_names(&out), vec!["likely_takeover"]);
    assert!(user_blocks(&out).is_empty());

    let toml = r#"
        [server]
        listen = "0.0.0.0:8080"

        [engine.limits]
        max_users = 1000
        max_ips = 1000

        [[engine.playbooks]]
        name = "block-takeover-users"
        trigger = { type = "signal", name = "likely_takeover" }
        actions = [{ type = "block_user", duration = "2h" }]
    "#;
    let cfg = EngineConfig::from_toml_str(toml).unwrap();
    assert_eq!(cfg.limits.max_users, 1000);
    assert_eq!(cfg.playbooks.len(), default_playbooks().len());
    let mut e = Engine::new(cfg);
    let out = takeover(&mut e);
    assert_eq!(user_blocks(&out), vec![VICTIM]);
    assert!(actions(&out).contains(&&Action::BlockUser {
        user: VICTIM,
        duration_ms: 2 * HOUR,
        except_devices: vec![],
    }));
}

#[test]
fn toml_configuration() {
    // No [engine] table: the defaults, with the issue's numbers.
    let d = EngineConfig::from_toml_str("[other]\nx = 1\n").unwrap();
    assert_eq!(d, EngineConfig::default());
    assert_eq!(d.brute_force.failures, 10);
    assert_eq!(d.brute_force.window.ms(), 10 * MIN);
    assert_eq!(d.credential_stuffing.failures, 20);
    assert_eq!(d.credential_stuffing.distinct_users, 5);
    assert_eq!(d.distributed_brute_force.failures, 40);
    assert_eq!(d.distributed_brute_force.distinct_ips, 5);
    assert_eq!(d.distributed_brute_force.window.ms(), HOUR);
    assert_eq!(d.account_enumeration.failures, 10);
    assert_eq!(d.likely_takeover.failures, 3);
    assert_eq!(d.signup_burst.signups, 10);
    assert_eq!(d.risk.half_life.ms(), 7 * DAY);
    assert_eq!(d.risk.max, 100.0);
    let names: Vec<_> = d.playbooks.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "suspicious-user-behaviors",
            "block-attacking-ips",
            "block-takeover-users",
            "challenge-new-places",
            "lock-attacked-accounts",
            "notify-new-places"
        ]
    );
    // Everything that blocks a user or writes to one is opt-in.
    assert!(!d.playbooks[2].enabled && !d.playbooks[4].enabled && !d.playbooks[5].enabled);
    assert!(d.playbooks[3].enabled);
    assert_eq!(
        d.playbooks[0].trigger,
        Trigger::RiskIncrease {
            points: 10.0,
            window: vigil_engine::DurationMs::from_hours(24)
        }
    );
    assert_eq!(
        d.playbooks[1].actions,
        vec![ActionSpec::BlockIp {
            duration: vigil_engine::DurationMs::from_hours(1)
        }]
    );

    // Round trip through TOML.
    let text = d.to_toml_string();
    assert_eq!(EngineConfig::from_toml_str(&text).unwrap(), d);

    // Overrides; only our own playbooks when defaults are off.
    let cfg = EngineConfig::from_toml_str(
        r#"
        [engine]
        default_playbooks = false
        custom = { checkout_fraud = 30 }
        [engine.brute_force]
        failures = 5
        window = "5m"
        [[engine.playbooks]]
        name = "watch"
        cooldown = "30m"
        trigger = { type = "risk_above", score = 80 }
        actions = [{ type = "log" }, { type = "notify", targets = ["slack", "email"] }]
        "#,
    )
    .unwrap();
    assert_eq!(cfg.brute_force.failures, 5);
    assert_eq!(cfg.brute_force.window.ms(), 5 * MIN);
    assert_eq!(cfg.brute_force.points, 20.0);
    assert_eq!(cfg.custom["checkout_fraud"], 30.0);
    assert_eq!(cfg.playbooks.len(), 1);
    assert_eq!(cfg.playbooks[0].cooldown.ms(), 30 * MIN);

    // Mistakes are reported, not ignored.
    for bad in [
        "[engine]\nbrute_forse = 1\n",
        "[engine.brute_force]\nwindow = \"10 parsecs\"\n",
        "[[engine.playbooks]]\nname = \"x\"\ntrigger = { type = \"signal\", name = \"nope\" }\nactions = []\n",
        "[engine.limits]\nmax_users = 0\n",
    ] {
        assert!(
            matches!(EngineConfig::from_toml_str(bad), Err(EngineError::Config(_))),
            "{bad}"
        );
    }
}

#[test]
fn risk_above_fires_when_crossing() {
    let cfg = EngineConfig::from_toml_str(
        r#"
        [engine]
        default_playbooks = false
        custom = { bad = 30 }
        [[engine.playbooks]]
        name = "high"
        trigger = { type = "risk_above", score = 80 }
        actions = [{ type = "incident" }]
        "#,
    )
    .unwrap();
    let mut e = Engine::new(cfg);
    let ev = |t: i64| custom(t, VICTIM, "192.0.2.1", "bad");
    assert!(actions(&run(&mut e, &[ev(T0), ev(T0 + 1)])).is_empty()); // 60
    assert_eq!(
        actions(&run(&mut e, &[ev(T0 + 2)])),
        vec![&Action::Incident]
    ); // 90
    assert!(actions(&run(&mut e, &[ev(T0 + 3)])).is_empty()); // already above
}

#[test]
fn effects_serialize_to_json() {
    let mut e = Engine::new(small_config());
    let out = run(&mut e, &brute_force_burst(T0, 10));
    let json: Vec<String> = out
        .iter()
        .map(|x| serde_json::to_string(x).unwrap())
        .collect();
    assert!(json[0].starts_with(r#"{"type":"signal","kind":"brute_force","user":"u_0000000000000000000000000000aaaa","ip":"203.0.113.9""#), "{}", json[0]);
    assert!(json
        .iter()
        .any(|j| j
            .contains(r#""action":{"type":"block_ip","ip":"203.0.113.9","duration_ms":3600000}"#)));
}
