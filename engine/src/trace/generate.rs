//! Labelled synthetic traffic: benign populations (`populations`) and attack episodes of
//! every kind the engine detects (`episodes`), over a geography (`world`). Deterministic per
//! seed: one ChaCha8 stream, consumed in a fixed order.

use std::net::{IpAddr, Ipv4Addr};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use vigil_protocol::DeviceId;

use super::episodes;
use super::format::{TraceKind, TraceRecord};
use super::populations;
use super::world::Access;

#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub seed: u64,
    /// Length of the evaluated window; at least 10 minutes. A week of warm-up comes before.
    pub minutes: u32,
    /// Ordinary users, besides the fixed populations (an office of 300, 500 mobile users).
    pub benign_users: u32,
    /// Unix time of the window's first millisecond.
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
pub const ATTACK_KINDS: [(&str, u32); 11] = [
    ("brute_force", 3),
    ("credential_stuffing", 3),
    ("distributed_brute_force", 2),
    ("account_enumeration", 3),
    ("takeover_after_stuffing", 2),
    ("signup_burst", 2),
    ("disposable_email", 5),
    ("takeover_new_country", 3),
    ("impossible_travel_takeover", 3),
    ("hosting_stuffing", 2),
    ("lockout_attack", 2),
];

pub(super) const SEC: i64 = 1_000;
pub(super) const MIN: i64 = 60 * SEC;
pub(super) const HOUR: i64 = 60 * MIN;
pub(super) const DAY: i64 = 24 * HOUR;

/// Address blocks, one per kind of network, so no two populations share an address by
/// accident (sharing is always on purpose: the office NAT, the carrier's CGNAT, VPN exits).
#[derive(Debug, Clone, Copy)]
pub(super) enum Block {
    /// Home broadband, one address per household.
    Home = 0,
    /// Cafés, hotels, airports: an address seen once.
    Elsewhere = 1,
    /// New customers' signups.
    Signup = 2,
    /// Attackers' addresses (100.64.0.0/10).
    Attack = 3,
}

const BLOCK_BASE: [u32; 4] = [0x0a00_0000, 0x0b00_0000, 0x0c00_0000, 0x6440_0000];

pub(super) struct Gen {
    pub rng: ChaCha8Rng,
    pub out: Vec<TraceRecord>,
    /// The window: `start` to `start + span`; warm-up is before `start`.
    pub start: i64,
    pub span: i64,
    next: [u32; 4],
}

impl Gen {
    /// Appends one record. Logins and signups carry their place; every record of a user's
    /// browser carries its device (the signed cookie is on every request).
    pub fn rec(
        &mut self,
        ts: i64,
        kind: TraceKind,
        user: Option<u128>,
        at: &Access,
        device: Option<DeviceId>,
        label: &str,
    ) -> &mut TraceRecord {
        let mut r = TraceRecord::new(ts, kind);
        r.user = user;
        r.ip = Some(at.ip);
        r.device = device;
        if matches!(
            kind,
            TraceKind::Signup | TraceKind::AuthSuccess | TraceKind::AuthFailure
        ) {
            r.country = Some(at.spot.country);
            (r.lat, r.lon) = (Some(at.spot.lat), Some(at.spot.lon));
            r.asn = Some(at.spot.asn);
        }
        r.label = Some(label.to_string());
        self.out.push(r);
        self.out.last_mut().expect("just pushed")
    }

    pub fn fresh_ip(&mut self, block: Block) -> IpAddr {
        let i = block as usize;
        self.next[i] += 1;
        IpAddr::V4(Ipv4Addr::from(BLOCK_BASE[i] + self.next[i]))
    }

    pub fn device(&mut self) -> DeviceId {
        DeviceId(self.rng.gen())
    }

    /// A time in the window, `earliest..=latest` after its start.
    pub fn at(&mut self, earliest: i64, latest: i64) -> i64 {
        self.start + self.rng.gen_range(earliest..=latest.max(earliest))
    }

    /// A start time leaving `duration` before the end of the window.
    pub fn episode_start(&mut self, duration: i64) -> i64 {
        self.at(0, (self.span - duration).max(0))
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.rng.gen_bool(p)
    }
}

/// Generates a trace sorted by time (ties keep generation order): a week of warm-up
/// (label `warmup`), then the window with benign traffic and attack episodes.
pub fn generate(opts: &GenerateOptions) -> Vec<TraceRecord> {
    let minutes = opts.minutes.max(10);
    let mut g = Gen {
        rng: ChaCha8Rng::seed_from_u64(opts.seed),
        out: Vec::new(),
        start: opts.start_ms,
        span: i64::from(minutes) * MIN,
        next: [0; 4],
    };
    let mut victims =
        episodes::Victims::new(populations::benign(&mut g, opts.benign_users.max(10)));
    for (kind, per_hour) in ATTACK_KINDS {
        let episodes = (per_hour * minutes).div_ceil(60).max(1);
        for n in 1..=episodes {
            episodes::generate(&mut g, kind, &mut victims, &format!("{kind}#{n}"));
        }
    }
    let mut out = g.out;
    out.sort_by_key(|r| r.ts_ms);
    out
}
