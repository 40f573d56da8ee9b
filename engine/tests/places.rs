//! Devices, countries, travel, hosting networks, challenges, the lockout exemption and shadow
//! mode: both sides of every threshold.

mod common;

use common::*;
use vigil_engine::{
    Action, ChallengeResult, Country, DeviceId, Effect, Engine, EngineConfig, Event, LatLon, Mode,
    Place,
};
use vigil_protocol::EventKind;

const ALICE: u128 = 0xa11ce;
const PHONE: DeviceId = DeviceId(1);
const LAPTOP: DeviceId = DeviceId(2);
const THIEF: DeviceId = DeviceId(666);

fn at(country: &str, lat: f32, lon: f32) -> Place {
    Place {
        country: Country::parse(country),
        asn: None,
        location: Some(LatLon { lat, lon }),
        precise: true,
    }
}

fn paris() -> Place {
    at("FR", 48.86, 2.35)
}
fn lyon() -> Place {
    at("FR", 45.76, 4.84)
}
fn new_york() -> Place {
    at("US", 40.71, -74.0)
}

fn login(ts: i64, device: DeviceId, place: Place) -> Event {
    success(ts, ALICE, "198.51.100.1")
        .device(device)
        .place(place)
}

fn challenge(ts: i64, result: ChallengeResult, device: DeviceId) -> Event {
    Event::new(ts, EventKind::Challenge { result })
        .user(ALICE)
        .ip(ip("198.51.100.1"))
        .device(device)
}

#[test]
fn a_first_login_raises_nothing_and_a_new_device_does() {
    let mut e = bare_engine();
    assert!(signal_names(&run(&mut e, &[login(T0, PHONE, paris())])).is_empty());
    let out = run(&mut e, &[login(T0 + HOUR, PHONE, paris())]);
    assert!(signal_names(&out).is_empty());
    let out = run(&mut e, &[login(T0 + 2 * HOUR, LAPTOP, paris())]);
    assert_eq!(signal_names(&out), ["new_device"]);
    // Known now.
    assert!(signal_names(&run(&mut e, &[login(T0 + 3 * HOUR, LAPTOP, paris())])).is_empty());
}

#[test]
fn new_country_fires_once_per_country() {
    let mut e = bare_engine();
    run(&mut e, &[login(T0, PHONE, paris())]);
    // A day later: plausible travel, but a country never seen.
    let out = run(&mut e, &[login(T0 + DAY, PHONE, new_york())]);
    assert_eq!(signal_names(&out), ["new_country"]);
    let out = run(&mut e, &[login(T0 + 3 * DAY, PHONE, new_york())]);
    assert!(signal_names(&out).is_empty());
}

#[test]
fn impossible_travel_both_sides_of_speed_and_distance() {
    // Paris to New York is about 5 840 km: 5 h is 1 170 km/h (impossible at 1 000), 7 h
    // is 830 km/h (possible).
    for (hours, fires) in [(5, true), (7, false)] {
        let mut e = bare_engine();
        run(&mut e, &[login(T0, PHONE, paris())]);
        let out = run(&mut e, &[login(T0 + hours * HOUR, PHONE, new_york())]);
        assert_eq!(
            signal_names(&out).contains(&"impossible_travel".to_string()),
            fires,
            "{hours} h"
        );
    }
    // Paris to Lyon (390 km) in a minute is fast but under the minimum distance.
    let mut e = bare_engine();
    run(&mut e, &[login(T0, PHONE, paris())]);
    assert!(signal_names(&run(&mut e, &[login(T0 + MIN, PHONE, lyon())])).is_empty());
    // With the minimum lowered, it is travel.
    let mut cfg = small_config();
    cfg.playbooks.clear();
    cfg.default_playbooks = false;
    cfg.impossible_travel.min_distance_km = 300.0;
    let mut e = Engine::new(cfg);
    run(&mut e, &[login(T0, PHONE, paris())]);
    let out = run(&mut e, &[login(T0 + MIN, PHONE, lyon())]);
    assert_eq!(signal_names(&out), ["impossible_travel"]);
}

#[test]
fn hosting_networks_by_asn() {
    let mut cfg = small_config();
    cfg.playbooks.clear();
    cfg.default_playbooks = false;
    cfg.geo.builtin_hosting_asns = false;
    cfg.geo.hosting_asns = vec![64_500];
    let geo = vigil_engine::Geo::load(&cfg.geo).unwrap();
    let mut e = Engine::with_data(cfg, vigil_engine::NetworkLists::empty(), geo.into());
    let mut hosted = paris();
    hosted.asn = Some(64_500);
    let mut home = paris();
    home.asn = Some(64_501);
    let out = run(&mut e, &[fail(T0, ALICE, "198.51.100.1").place(home)]);
    assert!(signal_names(&out).is_empty());
    // A failure from a data centre names the IP, not the account it targets.
    let out = run(&mut e, &[fail(T0, ALICE, "198.51.100.1").place(hosted)]);
    assert_eq!(signal_names(&out), ["hosting_network"]);
    assert_eq!(signals(&out)[0].user, None);
    assert_eq!(e.user_risk(ALICE, T0), 0.0);
    // A login from one names the user: once per user per window (24 h), then again.
    let out = run(&mut e, &[login(T0 + HOUR, PHONE, hosted)]);
    assert_eq!(signals(&out)[0].user, Some(ALICE));
    let out = run(&mut e, &[login(T0 + 2 * HOUR, PHONE, hosted)]);
    assert!(signal_names(&out).is_empty());
    let out = run(&mut e, &[login(T0 + 26 * HOUR, PHONE, hosted)]);
    assert_eq!(signal_names(&out), ["hosting_network"]);
}

#[test]
fn a_new_country_is_challenged_and_a_passed_challenge_ends_it() {
    let mut e = Engine::new(small_config());
    run(&mut e, &[login(T0, PHONE, paris())]);
    let out = run(&mut e, &[login(T0 + DAY, THIEF, new_york())]);
    assert!(actions(&out)
        .iter()
        .any(|a| matches!(a, Action::ChallengeUser { user: ALICE, .. })));
    assert!(user_blocks(&out).is_empty(), "challenged, not blocked");
    // The owner passes it on their phone: the phone is trusted and the challenge ends.
    let out = run(
        &mut e,
        &[challenge(T0 + DAY + MIN, ChallengeResult::Succeeded, PHONE)],
    );
    assert!(matches!(
        out.as_slice(),
        [Effect::ChallengePassed(p)] if p.user == ALICE && p.device == Some(PHONE)
    ));
    assert_eq!(e.trusted_devices(ALICE), [PHONE]);
}

#[test]
fn a_failed_challenge_raises_risk_and_withdraws_trust() {
    let mut e = bare_engine();
    run(&mut e, &[login(T0, PHONE, paris())]);
    assert_eq!(e.trusted_devices(ALICE), [PHONE]);
    let before = e.user_risk(ALICE, T0 + MIN);
    let out = run(
        &mut e,
        &[challenge(T0 + MIN, ChallengeResult::Failed, PHONE)],
    );
    assert_eq!(signal_names(&out), ["challenge_failed"]);
    assert!(e.user_risk(ALICE, T0 + MIN) >= before + 24.9);
    assert!(e.trusted_devices(ALICE).is_empty());
    // A requested challenge is only a record.
    assert!(run(
        &mut e,
        &[challenge(T0 + 2 * MIN, ChallengeResult::Requested, PHONE)]
    )
    .is_empty());
}

#[test]
fn a_login_from_a_new_country_earns_no_lockout_exemption() {
    let mut e = bare_engine();
    run(&mut e, &[login(T0, PHONE, paris())]);
    run(&mut e, &[login(T0 + DAY, THIEF, new_york())]);
    assert_eq!(e.trusted_devices(ALICE), [PHONE]);
}

fn lockout_engine(exempt: bool) -> Engine {
    let mut cfg: EngineConfig = small_config();
    for p in &mut cfg.playbooks {
        if p.name == "lock-attacked-accounts" {
            p.enabled = true;
        }
    }
    cfg.lockout.exempt_known_devices = exempt;
    Engine::new(cfg)
}

#[test]
fn a_brute_force_lockout_spares_the_victims_known_device() {
    let mut e = lockout_engine(true);
    // The victim's usual logins, then a brute force on the account; the victim logs in from
    // the known laptop during the attack.
    run(
        &mut e,
        &[login(T0, PHONE, paris()), login(T0 + HOUR, LAPTOP, paris())],
    );
    let attack: Vec<Event> = (0..10)
        .map(|i| fail(T0 + DAY + i * SEC, ALICE, "203.0.113.9"))
        .collect();
    let out = run(&mut e, &attack);
    let block = actions(&out)
        .into_iter()
        .find_map(|a| match a {
            Action::BlockUser {
                user: ALICE,
                except_devices,
                ..
            } => Some(except_devices.clone()),
            _ => None,
        })
        .expect("the account is locked");
    assert_eq!(block.len(), 2);
    assert!(block.contains(&PHONE) && block.contains(&LAPTOP));
    assert!(!block.contains(&THIEF));
    // Turned off, the same attack locks every device.
    let mut e = lockout_engine(false);
    run(&mut e, &[login(T0, PHONE, paris())]);
    let out = run(&mut e, &attack);
    assert!(actions(&out).iter().any(|a| matches!(
        a,
        Action::BlockUser { except_devices, .. } if except_devices.is_empty()
    )));
}

#[test]
fn shadow_playbooks_record_and_change_nothing() {
    let mut cfg = small_config();
    for p in &mut cfg.playbooks {
        if p.name == "block-attacking-ips" {
            p.mode = Mode::Shadow;
        }
    }
    let shadow_cfg = cfg.clone();
    let mut enforcing = Engine::new(small_config());
    let mut shadow = Engine::new(shadow_cfg);
    let burst = |start: i64| -> Vec<Event> {
        (0..10)
            .map(|i| fail(start + i * SEC, 7, "203.0.113.50"))
            .collect()
    };
    // Two bursts: enforcing escalates the second block; shadow computes the same durations
    // (its would-have escalation reads no state it wrote).
    let mut durations = Vec::new();
    for start in [T0, T0 + 2 * HOUR] {
        let a = run(&mut enforcing, &burst(start));
        let b = run(&mut shadow, &burst(start));
        let shadow_runs: Vec<_> = b
            .iter()
            .filter_map(|e| match e {
                Effect::Playbook(p) if p.playbook.as_ref() == "block-attacking-ips" => Some(p),
                _ => None,
            })
            .collect();
        assert!(!shadow_runs.is_empty() && shadow_runs.iter().all(|p| p.shadow));
        durations.push((ip_blocks(&a), ip_blocks(&b)));
    }
    assert_eq!(durations[0].0, durations[0].1);
    // Enforcing doubled the second block; shadow never blocked, so its second is a first.
    assert_eq!(durations[1].0[0].1, 2 * durations[1].1[0].1);
    let json = serde_json::to_value(Effect::Playbook(
        match run(&mut shadow, &burst(T0 + 5 * HOUR))
            .into_iter()
            .find_map(|e| match e {
                Effect::Playbook(p) => Some(p),
                _ => None,
            }) {
            Some(p) => p,
            None => panic!("fired"),
        },
    ))
    .unwrap();
    assert_eq!(json["shadow"], true);
}

#[test]
fn a_failed_challenge_takes_back_what_the_attackers_login_taught() {
    let mut e = bare_engine();
    run(&mut e, &[login(T0, PHONE, paris())]);
    // The thief logs in from New York a day later and fails the challenge.
    run(&mut e, &[login(T0 + DAY, THIEF, new_york())]);
    run(
        &mut e,
        &[challenge(T0 + DAY + MIN, ChallengeResult::Failed, THIEF)],
    );
    // The owner's next login from Paris an hour later is not "travel from New York".
    let out = run(&mut e, &[login(T0 + DAY + HOUR, PHONE, paris())]);
    assert!(signal_names(&out).is_empty(), "{:?}", signal_names(&out));
    // And a second attempt from the US is a new country again.
    let out = run(&mut e, &[login(T0 + 3 * DAY, THIEF, new_york())]);
    assert!(signal_names(&out).contains(&"new_country".to_string()));
    // A passed challenge keeps what the login taught: the traveller really is in New York.
    run(
        &mut e,
        &[challenge(
            T0 + 3 * DAY + MIN,
            ChallengeResult::Succeeded,
            THIEF,
        )],
    );
    let out = run(&mut e, &[login(T0 + 4 * DAY, THIEF, new_york())]);
    assert!(signal_names(&out).is_empty());
}

#[test]
fn credential_stuffing_spares_a_shared_network_whose_logins_mostly_succeed() {
    // 25 colleagues mistype (12 distinct users, 25 failures) within 10 minutes behind one
    // office NAT, among 60 successful logins: a shared network, not a stuffing run.
    let office = |e: &mut Engine, successes: u128| {
        let mut events = Vec::new();
        for u in 0..successes {
            events.push(success(T0 + (u as i64) * 5 * SEC, 1000 + u, "192.0.2.80"));
        }
        for u in 0..25u128 {
            events.push(fail(
                T0 + 300 * SEC + (u as i64) * SEC,
                1000 + u % 12,
                "192.0.2.80",
            ));
        }
        run(e, &events)
    };
    let mut e = bare_engine();
    assert!(!signal_names(&office(&mut e, 60)).contains(&"credential_stuffing".to_string()));
    // The same failures with only a handful of successes are stuffing.
    let mut e = bare_engine();
    assert!(signal_names(&office(&mut e, 3)).contains(&"credential_stuffing".to_string()));
}
