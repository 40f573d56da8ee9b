//! Benign populations, each built to be what a detector could mistake for an attack: an
//! office of 300 behind one NAT address, 500 mobile users behind a carrier's CGNAT whose
//! addresses geolocate to its gateways, travellers, people with three devices, people on
//! VPNs and clouds. Every person has a home city, one to three devices and a week of
//! history before the window (`warmup`), so the engine knows them as a deployment would.

use std::net::{IpAddr, Ipv4Addr};

use rand::seq::SliceRandom;
use rand::Rng;
use vigil_protocol::DeviceId;

use super::format::{TraceKind, BENIGN, WARMUP};
use super::generate::{Block, Gen, DAY, HOUR, MIN, SEC};
use super::world::{
    nearest_hosting, weighted, Access, Spot, CARRIER_GATEWAYS, CARRIER_HOMES, DESTINATIONS, HOMES,
    HOSTING, OFFICE, OFFICE_IP,
};
use crate::geo::Country;

pub(super) const NORMAL_DOMAINS: [&str; 6] = [
    "gmail.com",
    "outlook.com",
    "yahoo.com",
    "icloud.com",
    "fastmail.com",
    "example.org",
];

/// Sessions with one or two mistyped passwords before the right one, and with a mistyped
/// e-mail (a failure on an account that does not exist).
const TYPO_SESSION: f64 = 0.07;
const WRONG_EMAIL: f64 = 0.02;
/// Window sessions on a device the person never used (a new phone).
const NEW_DEVICE: f64 = 0.01;

pub(super) struct Person {
    pub user: u128,
    pub home: Access,
    pub devices: Vec<DeviceId>,
    turn: usize,
    /// Countries they logged in from (attacks pick one they never did).
    pub countries: Vec<Country>,
}

impl Person {
    /// People with several devices use them in turn.
    pub fn next_device(&mut self) -> DeviceId {
        let d = self.devices[self.turn % self.devices.len()];
        self.turn += 1;
        d
    }
}

fn person(g: &mut Gen, spot: Spot) -> Person {
    let user = g.rng.gen();
    let home = Access {
        ip: g.fresh_ip(Block::Home),
        spot,
    };
    let n = weighted(&mut g.rng, &[(1, 45), (2, 35), (3, 20)]);
    let devices = (0..n).map(|_| g.device()).collect();
    Person {
        user,
        home,
        devices,
        turn: 0,
        countries: Vec::new(),
    }
}

fn label_at(g: &Gen, t: i64) -> &'static str {
    if t < g.start {
        WARMUP
    } else {
        BENIGN
    }
}

/// One login: sometimes a typo or a mistyped e-mail first, then the success, then some
/// browsing.
pub(super) fn session(g: &mut Gen, p: &mut Person, t: i64, at: Access, device: DeviceId) {
    let label = label_at(g, t);
    let user = Some(p.user);
    if g.chance(TYPO_SESSION) {
        let typos = g.rng.gen_range(1..=2);
        for k in 0..typos {
            let ts = t - (typos - k) * 8 * SEC;
            g.rec(ts, TraceKind::AuthFailure, user, &at, Some(device), label)
                .exists = Some(true);
        }
    }
    if g.chance(WRONG_EMAIL) {
        let other = Some(g.rng.gen());
        g.rec(
            t - 15 * SEC,
            TraceKind::AuthFailure,
            other,
            &at,
            Some(device),
            label,
        )
        .exists = Some(false);
    }
    g.rec(t, TraceKind::AuthSuccess, user, &at, Some(device), label);
    if !p.countries.contains(&at.spot.country) {
        p.countries.push(at.spot.country);
    }
    if g.chance(0.5) {
        g.rec(
            t + 2 * SEC,
            TraceKind::IdentifySeen,
            user,
            &at,
            Some(device),
            label,
        );
    }
    if g.chance(0.3) {
        g.rec(
            t + 30 * SEC,
            TraceKind::Custom,
            user,
            &at,
            Some(device),
            label,
        )
        .name = Some("page_view".into());
    }
}

/// A device for a window session: usually the next of theirs, now and then a new one.
fn pick_device(g: &mut Gen, p: &mut Person) -> DeviceId {
    if g.chance(NEW_DEVICE) {
        let d = g.device();
        p.devices.push(d);
        d
    } else {
        p.next_device()
    }
}

/// Days (before `before`) the warm-up logs in on: distinct, so consecutive logins are at
/// least 12 hours apart and no history is impossible travel. Enough to use every device.
fn warmup_days(g: &mut Gen, p: &Person, skip: &[i64]) -> Vec<i64> {
    let mut days: Vec<i64> = (1..=7).filter(|d| !skip.contains(d)).collect();
    days.shuffle(&mut g.rng);
    let n = p.devices.len().max(g.rng.gen_range(2..=5)).min(days.len());
    days.truncate(n);
    days
}

fn day_time(g: &mut Gen, before: i64, day: i64) -> i64 {
    before - day * DAY + g.rng.gen_range(-6 * HOUR..=6 * HOUR)
}

fn vpn(exit: usize, g: &mut Gen) -> Access {
    // A VPN exit is shared by many of the provider's customers.
    let ip = IpAddr::V4(Ipv4Addr::new(13, exit as u8, 0, g.rng.gen_range(1..=8)));
    Access {
        ip,
        spot: HOSTING[exit],
    }
}

/// Every benign population. Returns the ordinary users who stay home and use no VPN:
/// attacks pick their victims among them, whose history is simple to reason about.
pub(super) fn benign(g: &mut Gen, count: u32) -> Vec<Person> {
    let sessions_max = (g.span / (20 * MIN)).max(1) as u32;
    // About 1% of users are abroad during the window.
    let travellers = (count / 100).max(3);
    let mut plain = Vec::new();
    for i in 0..count {
        let home = weighted(&mut g.rng, &HOMES);
        let mut p = person(g, home);
        if i < travellers {
            traveller(g, &mut p);
            continue;
        }
        // Some use a VPN (a hosting network) for part of their sessions: most the nearest
        // exit, some one abroad (streaming, privacy).
        let exit = g.chance(0.04).then(|| {
            if g.chance(0.75) {
                nearest_hosting(&home)
            } else {
                g.rng.gen_range(0..HOSTING.len())
            }
        });
        let via = |g: &mut Gen, p: &Person| match exit {
            Some(e) if g.chance(0.4) => vpn(e, g),
            // A café or a friend's flat in the same city now and then.
            _ if g.chance(0.05) => Access {
                ip: g.fresh_ip(Block::Elsewhere),
                spot: p.home.spot,
            },
            _ => p.home,
        };
        for (k, day) in warmup_days(g, &p, &[]).into_iter().enumerate() {
            let t = day_time(g, g.start, day);
            // A VPN user has used it in the last week, and been home without it: neither
            // country is new to the engine.
            let at = match exit {
                Some(e) if k == 0 => vpn(e, g),
                Some(_) if k == 1 => p.home,
                _ => via(g, &p),
            };
            let d = p.next_device();
            session(g, &mut p, t, at, d);
        }
        for _ in 0..g.rng.gen_range(0..=sessions_max) {
            let t = g.at(MIN, g.span - SEC);
            let at = via(g, &p);
            let d = pick_device(g, &mut p);
            session(g, &mut p, t, at, d);
        }
        if g.chance(0.004) {
            // An e-mail change: the same account under a new key.
            let t = g.at(MIN, g.span - SEC);
            let new_key = Some(g.rng.gen());
            let d = Some(p.next_device());
            g.rec(t, TraceKind::Alias, new_key, &p.home, d, BENIGN)
                .previous = Some(p.user);
        }
        if exit.is_none() {
            plain.push(p);
        }
    }
    office(g);
    carrier(g, sessions_max);
    signups(g, count);
    plain
}

/// Logged in at home, flew (at airliner speed, with three hours of airports and transfers
/// and some time before the first login there), and logs in at the hotel on their own
/// phone. Some have been to that country before (a trip in the warm-up).
fn traveller(g: &mut Gen, p: &mut Person) {
    let home = p.home.spot;
    let abroad: Vec<Spot> = DESTINATIONS
        .into_iter()
        .filter(|d| d.country != home.country)
        .collect();
    let dest = *abroad.choose(&mut g.rng).expect("destinations abroad");
    let arrive = g.at(MIN, g.span - 10 * MIN);
    let flight = (home.km_to(&dest) / 850.0 * HOUR as f64) as i64;
    let left = arrive - flight - 3 * HOUR - g.rng.gen_range(0..=6 * HOUR);
    let before = g.chance(0.3);
    let skip: &[i64] = if before { &[3, 4, 5] } else { &[] };
    for day in warmup_days(g, p, skip) {
        let t = day_time(g, left, day);
        let (at, d) = (p.home, p.next_device());
        session(g, p, t, at, d);
    }
    let hotel = Access {
        ip: g.fresh_ip(Block::Elsewhere),
        spot: dest,
    };
    if before {
        let d = p.next_device();
        session(g, p, left - 4 * DAY, hotel, d);
    }
    let (at, phone) = (p.home, p.devices[0]);
    session(g, p, left, at, phone);
    session(g, p, arrive, hotel, phone);
    if g.chance(0.5) {
        let t = (arrive + g.rng.gen_range(5 * MIN..=40 * MIN)).min(g.start + g.span - SEC);
        session(g, p, t, hotel, phone);
    }
}

/// 300 employees behind the office's one NAT address, all logging in within 20 minutes of
/// the morning (the window's start), with the usual typos. They live around the office
/// and log in from home some evenings.
fn office(g: &mut Gen) {
    let nat = Access {
        ip: OFFICE_IP,
        spot: OFFICE,
    };
    let morning = g.span.min(20 * MIN);
    for _ in 0..300 {
        let isp = *[3215, 12322, 5410].choose(&mut g.rng).expect("isps");
        let home = Spot {
            lat: OFFICE.lat + g.rng.gen_range(-0.15..0.15),
            lon: OFFICE.lon + g.rng.gen_range(-0.2..0.2),
            ..OFFICE.via(isp)
        };
        let mut p = person(g, home);
        let laptop = p.devices[0];
        for day in warmup_days(g, &p, &[]) {
            let t = day_time(g, g.start, day);
            if g.chance(0.7) {
                session(g, &mut p, t, nat, laptop);
            } else {
                let (at, d) = (p.home, p.next_device());
                session(g, &mut p, t + 10 * HOUR, at, d);
            }
        }
        let t = g.at(0, morning - SEC);
        session(g, &mut p, t, nat, laptop);
    }
}

/// 500 subscribers of a mobile carrier, behind six CGNAT addresses that geolocate to its
/// two gateway cities, wherever the subscriber is. Four in ten also have home broadband,
/// so a login at home and one on mobile minutes later can be hundreds of km apart on paper.
fn carrier(g: &mut Gen, sessions_max: u32) {
    let pool: Vec<Access> = (0..6u8)
        .map(|i| Access {
            ip: IpAddr::V4(Ipv4Addr::new(14, 1, 0, i + 1)),
            spot: CARRIER_GATEWAYS[usize::from(i >= 4)],
        })
        .collect();
    for _ in 0..500 {
        let home = weighted(&mut g.rng, &CARRIER_HOMES);
        let mut p = person(g, home);
        let wifi = g.chance(0.4);
        if !wifi {
            p.devices.truncate(1);
        }
        let login = |g: &mut Gen, p: &mut Person, t: i64| {
            if wifi && g.chance(0.25) {
                let (at, d) = (p.home, p.next_device());
                session(g, p, t, at, d);
            } else {
                // CGNAT hands out any of its addresses, session by session.
                let at = *pool.choose(&mut g.rng).expect("pool");
                let phone = p.devices[0];
                session(g, p, t, at, phone);
            }
        };
        for day in warmup_days(g, &p, &[]) {
            let t = day_time(g, g.start, day);
            login(g, &mut p, t);
        }
        for _ in 0..g.rng.gen_range(0..=sessions_max) {
            let t = g.at(MIN, g.span - SEC);
            login(g, &mut p, t);
        }
    }
}

/// New customers: about one signup per 50 users per hour, then their first login.
fn signups(g: &mut Gen, count: u32) {
    let n = (u64::from(count) * g.span as u64 / (50 * HOUR as u64)).max(1);
    for _ in 0..n {
        let t = g.at(0, g.span - MIN);
        let user = Some(g.rng.gen());
        let at = Access {
            ip: g.fresh_ip(Block::Signup),
            spot: weighted(&mut g.rng, &HOMES),
        };
        let d = Some(g.device());
        let domain = *NORMAL_DOMAINS.choose(&mut g.rng).expect("domains");
        g.rec(t, TraceKind::Signup, user, &at, d, BENIGN)
            .email_domain = Some(domain.into());
        g.rec(t + 20 * SEC, TraceKind::AuthSuccess, user, &at, d, BENIGN);
    }
}
