//! Labelled synthetic traffic: benign users (with typos, shared office IPs, signups, email
//! changes) and attack episodes of every kind the engine detects. Deterministic per seed.

use std::net::{IpAddr, Ipv4Addr};

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::format::{TraceKind, TraceRecord};

#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub seed: u64,
    /// Length of the trace; at least 10 minutes.
    pub minutes: u32,
    pub benign_users: u32,
    /// Unix time of the first millisecond.
    pub start_ms: i64,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions {
            seed: 1,
            minutes: 60,
            benign_users: 2_000,
            start_ms: 1_700_000_000_000,
        }
    }
}

/// Attack kinds the generator produces, with episodes per hour of trace.
pub const ATTACK_KINDS: [(&str, u32); 7] = [
    ("brute_force", 3),
    ("credential_stuffing", 3),
    ("distributed_brute_force", 2),
    ("account_enumeration", 3),
    ("takeover_after_stuffing", 2),
    ("signup_burst", 2),
    ("disposable_email", 5),
];

const NORMAL_DOMAINS: [&str; 6] = [
    "gmail.com",
    "outlook.com",
    "yahoo.com",
    "icloud.com",
    "fastmail.com",
    "example.org",
];

const DISPOSABLE_DOMAINS: [&str; 6] = [
    "mailinator.com",
    "yopmail.com",
    "guerrillamail.com",
    "10minutemail.com",
    "sharklasers.com",
    "trashmail.com",
];

const SEC: i64 = 1_000;
const MIN: i64 = 60 * SEC;

struct Gen {
    rng: ChaCha8Rng,
    out: Vec<TraceRecord>,
    start: i64,
    span: i64,
    next_ip: u32,
}

impl Gen {
    fn rec(&mut self, ts: i64, kind: TraceKind, user: Option<u128>, ip: IpAddr, label: &str) {
        let mut r = TraceRecord::new(ts, kind);
        r.user = user;
        r.ip = Some(ip);
        r.label = Some(label.to_string());
        self.out.push(r);
    }

    fn fail(&mut self, ts: i64, user: u128, ip: IpAddr, exists: Option<bool>, label: &str) {
        self.rec(ts, TraceKind::AuthFailure, Some(user), ip, label);
        self.out.last_mut().expect("just pushed").exists = exists;
    }

    fn signup(&mut self, ts: i64, user: u128, ip: IpAddr, domain: &str, label: &str) {
        self.rec(ts, TraceKind::Signup, Some(user), ip, label);
        self.out.last_mut().expect("just pushed").email_domain = Some(domain.to_string());
    }

    /// A fresh address nobody else in the trace uses (attackers get 100.64/10, CGNAT space).
    fn fresh_attack_ip(&mut self) -> IpAddr {
        self.next_ip += 1;
        IpAddr::V4(Ipv4Addr::from(0x6440_0000 + self.next_ip))
    }

    fn at(&mut self, earliest: i64, latest: i64) -> i64 {
        self.start + self.rng.gen_range(earliest..=latest.max(earliest))
    }

    /// A start time leaving `duration` before the end of the trace.
    fn episode_start(&mut self, duration: i64) -> i64 {
        self.at(0, (self.span - duration).max(0))
    }
}

/// Generates a trace sorted by time (ties keep generation order).
pub fn generate(opts: &GenerateOptions) -> Vec<TraceRecord> {
    let minutes = opts.minutes.max(10);
    let mut g = Gen {
        rng: ChaCha8Rng::seed_from_u64(opts.seed),
        out: Vec::new(),
        start: opts.start_ms,
        span: i64::from(minutes) * MIN,
        next_ip: 0,
    };
    let users = benign(&mut g, opts.benign_users.max(10));
    for (kind, per_hour) in ATTACK_KINDS {
        let episodes = (per_hour * minutes).div_ceil(60).max(1);
        for n in 1..=episodes {
            let label = format!("{kind}#{n}");
            match kind {
                "brute_force" => brute_force(&mut g, &users, &label),
                "credential_stuffing" => stuffing(&mut g, &users, &label, false),
                "distributed_brute_force" => distributed(&mut g, &users, &label),
                "account_enumeration" => enumeration(&mut g, &label),
                "takeover_after_stuffing" => stuffing(&mut g, &users, &label, true),
                "signup_burst" => signup_burst(&mut g, &label),
                "disposable_email" => disposable(&mut g, &label),
                _ => unreachable!("every kind in ATTACK_KINDS is generated"),
            }
        }
    }
    let mut out = g.out;
    out.sort_by_key(|r| r.ts_ms);
    out
}

fn benign(g: &mut Gen, count: u32) -> Vec<u128> {
    const L: &str = "benign";
    // Offices and mobile carriers: several users behind one address.
    let shared: Vec<IpAddr> = (0..40u32)
        .map(|i| IpAddr::V4(Ipv4Addr::from(0x0ac8_0000 + i)))
        .collect();
    let sessions_max = (g.span / (20 * MIN)).max(1) as u32;
    let mut users = Vec::with_capacity(count as usize);
    for i in 0..count {
        let user: u128 = g.rng.gen();
        let home = if g.rng.gen_bool(0.15) {
            *shared.choose(&mut g.rng).expect("not empty")
        } else {
            IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + i))
        };
        users.push(user);
        for _ in 0..g.rng.gen_range(0..=sessions_max) {
            let t = g.at(MIN, g.span - SEC);
            let ip = if g.rng.gen_bool(0.05) {
                IpAddr::V4(Ipv4Addr::from(
                    0x0b00_0000 + g.rng.gen_range(0..1_000_000u32),
                ))
            } else {
                home
            };
            if g.rng.gen_bool(0.07) {
                // Typos: one or two wrong passwords shortly before the right one.
                let typos = g.rng.gen_range(1..=2);
                for k in 0..typos {
                    g.fail(t - (typos - k) * 8 * SEC, user, ip, Some(true), L);
                }
            }
            if g.rng.gen_bool(0.02) {
                // A mistyped email: a failure on an account that does not exist.
                let other: u128 = g.rng.gen();
                g.fail(t - 15 * SEC, other, ip, Some(false), L);
            }
            g.rec(t, TraceKind::AuthSuccess, Some(user), ip, L);
            if g.rng.gen_bool(0.5) {
                g.rec(t + 2 * SEC, TraceKind::IdentifySeen, Some(user), ip, L);
            }
            if g.rng.gen_bool(0.3) {
                g.rec(t + 30 * SEC, TraceKind::Custom, Some(user), ip, L);
                g.out.last_mut().expect("just pushed").name = Some("page_view".into());
            }
        }
        if g.rng.gen_bool(0.004) {
            // An email change: the same account under a new key.
            let t = g.at(MIN, g.span - SEC);
            let new_key: u128 = g.rng.gen();
            g.rec(t, TraceKind::Alias, Some(new_key), home, L);
            g.out.last_mut().expect("just pushed").previous = Some(user);
        }
    }
    // New customers: about one signup per 50 users per hour.
    let signups = (u64::from(count) * g.span as u64 / (50 * 60 * MIN as u64)).max(1);
    for _ in 0..signups {
        let t = g.at(0, g.span - MIN);
        let user: u128 = g.rng.gen();
        let ip = if g.rng.gen_bool(0.3) {
            *shared.choose(&mut g.rng).expect("not empty")
        } else {
            IpAddr::V4(Ipv4Addr::from(
                0x0c00_0000 + g.rng.gen_range(0..1_000_000u32),
            ))
        };
        let domain = *NORMAL_DOMAINS.choose(&mut g.rng).expect("not empty");
        g.signup(t, user, ip, domain, L);
        g.rec(t + 20 * SEC, TraceKind::AuthSuccess, Some(user), ip, L);
    }
    users
}

/// One IP hammering one existing account.
fn brute_force(g: &mut Gen, users: &[u128], label: &str) {
    let victim = *users.choose(&mut g.rng).expect("users");
    let ip = g.fresh_attack_ip();
    let n = g.rng.gen_range(20..=60);
    let mut t = g.episode_start(n * 8 * SEC);
    for _ in 0..n {
        g.fail(t, victim, ip, Some(true), label);
        t += g.rng.gen_range(2 * SEC..=8 * SEC);
    }
}

/// One IP trying a leaked list: many accounts, one or two passwords each. With `takeover`,
/// it ends by getting into one real account.
fn stuffing(g: &mut Gen, users: &[u128], label: &str, takeover: bool) {
    let ip = g.fresh_attack_ip();
    let n = if takeover {
        g.rng.gen_range(25..=60)
    } else {
        g.rng.gen_range(40..=150)
    };
    let mut t = g.episode_start(n * 6 * SEC + MIN);
    for _ in 0..n {
        let (user, exists) = if g.rng.gen_bool(0.3) {
            (*users.choose(&mut g.rng).expect("users"), Some(true))
        } else {
            let exists = [Some(true), None, Some(false)][g.rng.gen_range(0..3)];
            (g.rng.gen(), exists)
        };
        g.fail(t, user, ip, exists, label);
        t += g.rng.gen_range(SEC..=6 * SEC);
    }
    if takeover {
        let victim = *users.choose(&mut g.rng).expect("users");
        t += g.rng.gen_range(5 * SEC..=50 * SEC);
        g.rec(t, TraceKind::AuthSuccess, Some(victim), ip, label);
    }
}

/// A botnet on one account: each address fails only once or twice.
fn distributed(g: &mut Gen, users: &[u128], label: &str) {
    let victim = *users.choose(&mut g.rng).expect("users");
    let botnet: Vec<IpAddr> = (0..g.rng.gen_range(40..=80))
        .map(|_| g.fresh_attack_ip())
        .collect();
    let n: i64 = g.rng.gen_range(45..=70);
    let duration = (50 * MIN).min(g.span - MIN);
    let step = duration / n;
    let mut t = g.episode_start(duration);
    for _ in 0..n {
        let ip = *botnet.choose(&mut g.rng).expect("botnet");
        g.fail(t, victim, ip, Some(true), label);
        t += g.rng.gen_range(step / 2..=step);
    }
}

/// One IP probing which accounts exist.
fn enumeration(g: &mut Gen, label: &str) {
    let ip = g.fresh_attack_ip();
    let n = g.rng.gen_range(20..=50);
    let mut t = g.episode_start(n * 20 * SEC);
    for _ in 0..n {
        let user: u128 = g.rng.gen();
        g.fail(t, user, ip, Some(false), label);
        t += g.rng.gen_range(2 * SEC..=20 * SEC);
    }
}

/// One IP creating many accounts.
fn signup_burst(g: &mut Gen, label: &str) {
    let ip = g.fresh_attack_ip();
    let n: i64 = g.rng.gen_range(15..=40);
    let step = (90 * SEC).min((g.span - MIN) / n);
    let mut t = g.episode_start(n * step);
    for _ in 0..n {
        let user: u128 = g.rng.gen();
        let domain = *NORMAL_DOMAINS.choose(&mut g.rng).expect("not empty");
        g.signup(t, user, ip, domain, label);
        t += g.rng.gen_range(step / 3..=step);
    }
}

/// A signup with a throwaway address, then a login.
fn disposable(g: &mut Gen, label: &str) {
    let ip = g.fresh_attack_ip();
    let user: u128 = g.rng.gen();
    let t = g.episode_start(MIN);
    let domain = *DISPOSABLE_DOMAINS.choose(&mut g.rng).expect("not empty");
    g.signup(t, user, ip, domain, label);
    g.rec(t + 30 * SEC, TraceKind::AuthSuccess, Some(user), ip, label);
}
