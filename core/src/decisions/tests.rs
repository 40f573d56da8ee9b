use super::*;

fn wire(id: &str, scope: &str, value: &str, expires_at: Option<&str>) -> WireDecision {
    WireDecision {
        id: id.into(),
        scope: scope.into(),
        value: value.into(),
        action: "block".into(),
        url: None,
        expires_at: expires_at.map(Into::into),
        reason: id.into(),
        ids: None,
        except_devices: vec![],
    }
}

fn challenge(id: &str, scope: &str, value: &str, expires_at: Option<&str>) -> WireDecision {
    WireDecision {
        action: "challenge".into(),
        ..wire(id, scope, value, expires_at)
    }
}

fn exempting(mut w: WireDecision, devices: &[DeviceId]) -> WireDecision {
    w.except_devices = devices.iter().map(ToString::to_string).collect();
    w
}

fn held(upserts: Vec<WireDecision>) -> (DecisionStore, usize) {
    let store = DecisionStore::new();
    let skipped = store.apply_feed(&DecisionFeed {
        cursor: 3,
        reset: true,
        upserts,
        deletes: vec![],
    });
    (store, skipped)
}

const KEY: UserKey = UserKey([7; 16]);
const LAPTOP: DeviceId = DeviceId(0xa);
const PHONE: DeviceId = DeviceId(0xb);
const SOON: &str = "2090-01-01T00:00:00Z";
const LATER: &str = "2095-01-01T00:00:00Z";

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

#[test]
fn user_ip_and_cidr_scopes() {
    let (store, skipped) = held(vec![
        wire("d1", "user", &KEY.to_string(), None),
        wire("d2", "ip", "203.0.113.7", None),
        wire("d3", "cidr", "198.51.100.0/24", None),
        wire("d4", "cidr", "2001:db8::/32", None),
        wire("d5", "cidr", "2001:db8:ffff::1/128", None),
        wire("bad", "planet", "x", None),
    ]);
    assert_eq!(skipped, 1);
    let snap = store.load();
    let (blocks, now) = (snap.blocks(), || 0);
    assert_eq!(snap.cursor(), 3);
    assert!(blocks.user(&KEY, None, now).is_some());
    assert!(blocks.user(&UserKey([8; 16]), None, now).is_none());
    assert!(blocks.ip(&ip("203.0.113.7"), now).is_some());
    assert!(blocks.ip(&ip("198.51.100.99"), now).is_some());
    assert!(blocks.ip(&ip("198.51.101.1"), now).is_none());
    assert!(blocks.ip(&ip("2001:db8:1::5"), now).is_some());
    assert!(blocks.ip(&ip("2001:db9::5"), now).is_none());
    // A /128 network: its prefix length must not be confused with an IPv4 one.
    let (store, _) = held(vec![wire("d5", "cidr", "2001:db9::1/128", None)]);
    assert!(store.load().blocks().ip(&ip("2001:db9::1"), now).is_some());
    assert!(store.load().blocks().ip(&ip("2001:db9::2"), now).is_none());
    assert!(store.load().blocks().ip(&ip("0.0.0.0"), now).is_none());
}

#[test]
fn the_narrowest_network_answers() {
    let (store, _) = held(vec![
        wire("wide", "cidr", "10.0.0.0/8", None),
        wire("narrow", "cidr", "10.1.2.0/24", None),
        wire("all6", "cidr", "::/0", None),
    ]);
    let snap = store.load();
    let id = |a: &str| snap.blocks().ip(&ip(a), || 0).map(|d| d.id.clone());
    assert_eq!(id("10.1.2.3").as_deref(), Some("narrow"));
    assert_eq!(id("10.9.9.9").as_deref(), Some("wide"));
    assert_eq!(id("2001:db8::1").as_deref(), Some("all6"));
    assert_eq!(id("11.0.0.1"), None);
}

#[test]
fn expiry_and_deletes() {
    let (store, _) = held(vec![
        wire("d1", "ip", "10.0.0.1", Some("2030-01-01T00:00:00Z")),
        wire("d2", "ip", "10.0.0.2", None),
    ]);
    let ip1 = ip("10.0.0.1");
    let before = parse_ts("2029-12-31T23:59:59Z").unwrap();
    let after = parse_ts("2030-01-01T00:00:00Z").unwrap();
    assert!(store.load().blocks().ip(&ip1, || before).is_some());
    assert!(store.load().blocks().ip(&ip1, || after).is_none());
    store.apply_feed(&DecisionFeed {
        cursor: 4,
        reset: false,
        upserts: vec![],
        deletes: vec!["d2".into()],
    });
    assert!(store.load().blocks().ip(&ip("10.0.0.2"), || 0).is_none());
    assert_eq!(store.load().len(), 1);
    assert_eq!(store.load().cursor(), 4);
}

#[test]
fn a_challenge_never_hides_a_block() {
    let (store, _) = held(vec![
        challenge("c1", "user", &KEY.to_string(), None),
        wire("b1", "user", &KEY.to_string(), Some(SOON)),
        challenge("c2", "ip", "192.0.2.1", None),
        wire("b2", "ip", "192.0.2.1", Some(SOON)),
    ]);
    let snap = store.load();
    let now = || 0;
    assert_eq!(snap.blocks().user(&KEY, None, now).unwrap().id, "b1");
    assert_eq!(snap.challenges().user(&KEY, None, now).unwrap().id, "c1");
    assert_eq!(snap.blocks().ip(&ip("192.0.2.1"), now).unwrap().id, "b2");
    assert_eq!(
        snap.challenges().ip(&ip("192.0.2.1"), now).unwrap().id,
        "c2"
    );
    assert_eq!(
        snap.challenges().user(&KEY, None, now).unwrap().action,
        Action::Challenge
    );
}

#[test]
fn exempt_devices_pass_a_user_block() {
    let (store, _) = held(vec![exempting(
        wire("lock", "user", &KEY.to_string(), Some(SOON)),
        &[LAPTOP],
    )]);
    let blocks = store.load();
    let blocks = blocks.blocks();
    assert!(blocks.user(&KEY, Some(LAPTOP), || 0).is_none());
    assert!(blocks.user(&KEY, Some(PHONE), || 0).is_some());
    assert!(blocks.user(&KEY, None, || 0).is_some());
}

#[test]
fn a_shorter_block_without_exemption_still_applies() {
    // The longer lockout exempts the laptop; a shorter takeover block does not.
    let (store, _) = held(vec![
        exempting(
            wire("lock", "user", &KEY.to_string(), Some(LATER)),
            &[LAPTOP],
        ),
        wire("takeover", "user", &KEY.to_string(), Some(SOON)),
    ]);
    let snap = store.load();
    let at = |ts: &str| parse_ts(ts).unwrap();
    let on_laptop = |now| {
        snap.blocks()
            .user(&KEY, Some(LAPTOP), || now)
            .map(|d| d.id.clone())
    };
    assert_eq!(on_laptop(0).as_deref(), Some("takeover"));
    assert_eq!(on_laptop(at(SOON)), None, "the takeover block ended");
    let on_phone = snap.blocks().user(&KEY, Some(PHONE), || at(SOON));
    assert_eq!(on_phone.unwrap().id, "lock");
    assert!(snap.blocks().user(&KEY, None, || at(LATER)).is_none());
}

#[test]
fn a_longer_block_without_exemption_covers_the_rest() {
    let (store, _) = held(vec![
        exempting(
            wire("lock", "user", &KEY.to_string(), Some(SOON)),
            &[LAPTOP],
        ),
        wire("manual", "user", &KEY.to_string(), None),
    ]);
    let snap = store.load();
    assert_eq!(
        snap.blocks().user(&KEY, Some(LAPTOP), || 0).unwrap().id,
        "manual"
    );
    assert_eq!(
        snap.blocks().users[&KEY].len(),
        1,
        "the exempting one is cut"
    );
}

#[test]
fn ties_go_to_the_smaller_id() {
    let (store, _) = held(vec![
        wire("d_b", "user", &KEY.to_string(), Some(SOON)),
        wire("d_a", "user", &KEY.to_string(), Some(SOON)),
        wire("d_d", "ip", "192.0.2.9", None),
        wire("d_c", "ip", "192.0.2.9", None),
    ]);
    let snap = store.load();
    assert_eq!(snap.blocks().user(&KEY, None, || 0).unwrap().id, "d_a");
    assert_eq!(snap.blocks().ip(&ip("192.0.2.9"), || 0).unwrap().id, "d_c");
}

#[test]
fn a_malformed_device_skips_the_decision() {
    let mut bad = wire("d1", "user", &KEY.to_string(), None);
    bad.except_devices = vec!["ABCDEF".into()];
    let (store, skipped) = held(vec![bad, wire("d2", "ip", "192.0.2.1", None)]);
    assert_eq!(skipped, 1);
    assert!(store.load().blocks().user(&KEY, None, || 0).is_none());
    let mut redirect = wire("d3", "ip", "192.0.2.2", None);
    redirect.action = "redirect".into();
    assert!(
        Decision::from_wire(&redirect).is_none(),
        "redirect without url"
    );
    redirect.action = "captcha".into();
    assert!(Decision::from_wire(&redirect).is_none());
}

#[test]
fn passing_a_challenge_ends_only_that_users_challenges() {
    let other = UserKey([9; 16]);
    let (store, _) = held(vec![
        challenge("c1", "user", &KEY.to_string(), None),
        challenge("c2", "user", &KEY.to_string(), Some(SOON)),
        challenge("c3", "user", &other.to_string(), None),
        challenge("c4", "ip", "192.0.2.1", None),
        wire("b1", "user", &KEY.to_string(), None),
    ]);
    store.end_challenges(&KEY);
    let snap = store.load();
    assert!(snap.challenges().user(&KEY, None, || 0).is_none());
    assert!(snap.challenges().user(&other, None, || 0).is_some());
    assert!(snap.challenges().ip(&ip("192.0.2.1"), || 0).is_some());
    assert!(snap.blocks().user(&KEY, None, || 0).is_some());
    assert_eq!((snap.len(), snap.cursor()), (3, 3));
}
