//! Per-user and per-IP state, held in capped LRU maps so memory stays flat under any load.

use std::hash::{BuildHasher, Hash};
use std::net::IpAddr;
use std::num::NonZeroUsize;

use lru::LruCache;

use crate::known::Known;
use crate::risk::{Risk, RiskPoint};
use crate::window::{SlidingCount, Window};

/// Fast hashing; the engine's output never depends on iteration order, so a per-process
/// random seed is fine and makes collision attacks on the maps harder.
pub(crate) type Lru<K, V> = LruCache<K, V, foldhash::fast::RandomState>;

pub(crate) fn lru<K: Hash + Eq, V>(cap: usize) -> Lru<K, V> {
    LruCache::with_hasher(
        NonZeroUsize::new(cap.max(1)).expect("cap is at least 1"),
        foldhash::fast::RandomState::default(),
    )
}

/// "Never": makes `window::armed` true and every age huge.
pub(crate) const NEVER: i64 = i64::MIN;

/// Stable 32-bit tag of an IP for windows that only compare IPs. Fixed seed: the tags must be
/// the same in every run for replays to be exact. Never 0, which means "no IP".
pub(crate) fn ip_tag(ip: Option<IpAddr>) -> u32 {
    match ip {
        None => 0,
        Some(ip) => {
            let h = foldhash::fast::FixedState::with_seed(0x5eed_1e55).hash_one(ip);
            (h as u32 ^ (h >> 32) as u32).max(1)
        }
    }
}

/// 32-bit tag of a user key (already a SHA-256 prefix, so folding is enough). Never 0.
pub(crate) fn user_tag(user: Option<u128>) -> u32 {
    match user {
        None => 0,
        Some(u) => ((u ^ (u >> 32) ^ (u >> 64) ^ (u >> 96)) as u32).max(1),
    }
}

/// A user with no failures and no risk costs only this (32 bytes); the rest is allocated
/// the first time the user fails a login or gets a signal, or logs in from a known place.
#[derive(Debug, Default)]
pub(crate) struct UserState {
    pub risk: Risk,
    pub detail: Option<Box<UserDetail>>,
    pub known: Option<Box<Known>>,
}

#[derive(Debug)]
pub(crate) struct UserDetail {
    /// Failed logins on this user, tagged with the IP they came from.
    pub fails: Window<u32>,
    pub brute_force_fired: i64,
    pub distributed_fired: i64,
    pub takeover_fired: i64,
    pub listed_fired: i64,
    pub hosting_fired: i64,
    pub history: Vec<RiskPoint>,
}

impl Default for UserDetail {
    fn default() -> Self {
        UserDetail {
            fails: Window::default(),
            brute_force_fired: NEVER,
            distributed_fired: NEVER,
            takeover_fired: NEVER,
            listed_fired: NEVER,
            hosting_fired: NEVER,
            history: Vec::new(),
        }
    }
}

impl UserState {
    pub fn detail_mut(&mut self) -> &mut UserDetail {
        self.detail.get_or_insert_with(Default::default)
    }

    pub fn history(&self) -> &[RiskPoint] {
        self.detail.as_ref().map_or(&[], |d| &d.history)
    }

    /// Nothing about the user can matter any more: risk gone, windows past, and what is
    /// known of their logins older than `forget_ms`.
    pub fn is_idle(&self, now_ms: i64, half_life_ms: i64, span_ms: i64, forget_ms: i64) -> bool {
        let old = |t: i64| now_ms.saturating_sub(t) >= span_ms;
        self.risk.is_negligible(now_ms, half_life_ms)
            && self
                .known
                .as_ref()
                .is_none_or(|k| now_ms.saturating_sub(k.last_ms) >= forget_ms)
            && self.detail.as_ref().is_none_or(|d| {
                d.fails.latest().is_none_or(old)
                    && old(d.brute_force_fired)
                    && old(d.distributed_fired)
                    && old(d.takeover_fired)
                    && old(d.listed_fired)
                    && old(d.hosting_fired)
            })
    }

    pub fn known_mut(&mut self) -> &mut Known {
        self.known.get_or_insert_with(Default::default)
    }
}

#[derive(Debug)]
pub(crate) struct IpState {
    pub risk: Risk,
    /// Last time an attack signal named this IP (see `SignalKind::flags_ip`).
    pub flagged_at: i64,
    /// Successful logins over the stuffing window: a shared network (an office NAT, a
    /// carrier's CGNAT) mostly succeeds, a stuffing run almost never does.
    pub successes: SlidingCount,
    pub detail: Option<Box<IpDetail>>,
}

impl Default for IpState {
    fn default() -> Self {
        IpState {
            risk: Risk::default(),
            flagged_at: NEVER,
            successes: SlidingCount::default(),
            detail: None,
        }
    }
}

#[derive(Debug)]
pub(crate) struct IpDetail {
    /// Failed logins from this IP, tagged with the user tried.
    pub fails: Window<u32>,
    /// Failed logins on accounts that do not exist.
    pub unknown: Window<()>,
    pub signups: Window<()>,
    pub stuffing_fired: i64,
    pub enumeration_fired: i64,
    pub signup_burst_fired: i64,
    pub listed_fired: i64,
    pub hosting_fired: i64,
    /// End of the current or last block, and its length, for escalation.
    pub block_until: i64,
    pub block_last_ms: i64,
}

impl Default for IpDetail {
    fn default() -> Self {
        IpDetail {
            fails: Window::default(),
            unknown: Window::default(),
            signups: Window::default(),
            stuffing_fired: NEVER,
            enumeration_fired: NEVER,
            signup_burst_fired: NEVER,
            listed_fired: NEVER,
            hosting_fired: NEVER,
            block_until: NEVER,
            block_last_ms: 0,
        }
    }
}

impl IpState {
    pub fn detail_mut(&mut self) -> &mut IpDetail {
        self.detail.get_or_insert_with(Default::default)
    }

    pub fn is_idle(&self, now_ms: i64, half_life_ms: i64, span_ms: i64, reset_ms: i64) -> bool {
        let old = |t: Option<i64>| t.is_none_or(|t| now_ms.saturating_sub(t) >= span_ms);
        self.risk.is_negligible(now_ms, half_life_ms)
            && now_ms.saturating_sub(self.flagged_at) >= span_ms
            && self.detail.as_ref().is_none_or(|d| {
                old(d.fails.latest())
                    && old(d.unknown.latest())
                    && old(d.signups.latest())
                    && old(Some(d.stuffing_fired))
                    && old(Some(d.enumeration_fired))
                    && old(Some(d.signup_burst_fired))
                    && old(Some(d.listed_fired))
                    && old(Some(d.hosting_fired))
                    // Escalation must outlive the block by its reset period.
                    && now_ms.saturating_sub(d.block_until) >= reset_ms
            })
    }
}
