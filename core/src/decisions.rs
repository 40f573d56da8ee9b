//! Decisions held by the SDK: an immutable snapshot behind an atomic pointer.
//!
//! Request threads only ever `load` the snapshot (lock-free); the poller (or local mode) builds
//! a new one and swaps it in. Updates are rare and checks are constant, so copy-on-write is the
//! right trade. Blocks and challenges are indexed apart, so that however long a challenge lasts
//! it can never hide a block of the same user or IP.

use std::cmp::Reverse;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use arc_swap::ArcSwap;
use foldhash::fast::RandomState;
use ipnet::IpNet;
use smallvec::SmallVec;

use crate::event::DeviceId;
use crate::identity::UserKey;
use crate::wire::{parse_ts, DecisionFeed, WireDecision};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    User(UserKey),
    Ip(IpAddr),
    Cidr(IpNet),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Block,
    Redirect {
        url: String,
    },
    /// Ask the user to prove who they are (MFA, captcha, e-mail code): `assess` answers
    /// `challenge`; the ban checks ignore it.
    Challenge,
}

impl Action {
    /// True for the actions that refuse the request (block, redirect).
    pub fn denies(&self) -> bool {
        !matches!(self, Action::Challenge)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub id: String,
    pub target: Target,
    pub action: Action,
    /// Unix milliseconds; `None` never expires.
    pub expires_at_ms: Option<i64>,
    pub reason: String,
    /// Devices a user decision does not apply on: the user's known devices, exempt from a
    /// lockout that a brute force against the account raised. Ignored on IP and CIDR decisions
    /// (a device says nothing about who else shares an address).
    pub except_devices: Box<[DeviceId]>,
}

impl Decision {
    pub fn is_active(&self, now_ms: i64) -> bool {
        self.expires_at_ms.is_none_or(|t| now_ms < t)
    }

    /// True when this decision does not apply to a request from `device`.
    pub fn exempts(&self, device: Option<DeviceId>) -> bool {
        device.is_some_and(|d| self.except_devices.contains(&d))
    }

    /// Parses a decision from the feed; `None` for one this SDK cannot apply (the caller
    /// counts and logs it), including one naming a malformed device.
    pub fn from_wire(w: &WireDecision) -> Option<Decision> {
        let target = match w.scope.as_str() {
            "user" => Target::User(w.value.parse().ok()?),
            "ip" => Target::Ip(w.value.parse::<IpAddr>().ok()?.to_canonical()),
            "cidr" => Target::Cidr(w.value.parse::<IpNet>().ok()?.trunc()),
            _ => return None,
        };
        let action = match (w.action.as_str(), &w.url) {
            ("block", _) => Action::Block,
            ("redirect", Some(url)) => Action::Redirect { url: url.clone() },
            ("challenge", _) => Action::Challenge,
            _ => return None,
        };
        let expires_at_ms = match &w.expires_at {
            Some(s) => Some(parse_ts(s)?),
            None => None,
        };
        let except_devices = w
            .except_devices
            .iter()
            .map(|d| d.parse().ok())
            .collect::<Option<Box<[DeviceId]>>>()?;
        Some(Decision {
            id: w.id.clone(),
            target,
            action,
            expires_at_ms,
            reason: w.reason.clone(),
            except_devices,
        })
    }

    /// When it ends, for ordering: a decision that never expires lasts longest.
    fn lasts(&self) -> i64 {
        self.expires_at_ms.unwrap_or(i64::MAX)
    }
}

type Map<K, V> = HashMap<K, V, RandomState>;

/// Which of two decisions on one target answers first: the one that lasts longer, then the
/// one that exempts no device, then the smaller id (so every SDK picks the same one).
fn precedence(a: &Decision, b: &Decision) -> std::cmp::Ordering {
    (Reverse(a.lasts()), !a.except_devices.is_empty(), &a.id).cmp(&(
        Reverse(b.lasts()),
        !b.except_devices.is_empty(),
        &b.id,
    ))
}

/// Decisions of one kind (blocks, or challenges), indexed for constant-time checks.
#[derive(Default)]
pub struct Index {
    /// Each user's decisions in precedence order, cut after the first that exempts no device:
    /// that one covers every request for at least as long as any after it would.
    users: Map<UserKey, SmallVec<[Arc<Decision>; 1]>>,
    ips: Map<IpAddr, Arc<Decision>>,
    /// CIDR decisions grouped by (IPv6, prefix length), longest prefix first: a check costs
    /// one lookup per distinct length, and the narrowest network holding the address answers.
    cidrs: Vec<(PrefixLen, Map<IpAddr, Arc<Decision>>)>,
}

/// A network's family (true for IPv6) and prefix length.
type PrefixLen = (bool, u8);

impl Index {
    fn add(&mut self, d: &Arc<Decision>) {
        match &d.target {
            Target::User(k) => self.users.entry(*k).or_default().push(d.clone()),
            Target::Ip(ip) => keep_first(&mut self.ips, *ip, d),
            Target::Cidr(net) => {
                let len = (net.addr().is_ipv6(), net.prefix_len());
                let bucket = match self.cidrs.iter().position(|(l, _)| *l == len) {
                    Some(i) => &mut self.cidrs[i].1,
                    None => {
                        self.cidrs.push((len, Map::default()));
                        &mut self.cidrs.last_mut().expect("just pushed").1
                    }
                };
                keep_first(bucket, net.network(), d);
            }
        }
    }

    fn finish(&mut self) {
        for entries in self.users.values_mut() {
            entries.sort_by(|a, b| precedence(a, b));
            if let Some(i) = entries.iter().position(|d| d.except_devices.is_empty()) {
                entries.truncate(i + 1);
            }
            entries.shrink_to_fit();
        }
        self.cidrs.sort_by_key(|((_, len), _)| Reverse(*len));
    }

    /// True when some decision of this kind names a user (the IP-to-user fallback is only
    /// worth its lookup then).
    pub fn has_users(&self) -> bool {
        !self.users.is_empty()
    }

    /// The decision covering this user on a request from `device`, if any.
    #[inline]
    pub fn user(
        &self,
        key: &UserKey,
        device: Option<DeviceId>,
        now_ms: impl FnOnce() -> i64,
    ) -> Option<&Arc<Decision>> {
        let entries = self.users.get(key)?;
        let now = now_ms();
        // Longest-lasting first: once one has expired, so have the rest.
        entries
            .iter()
            .take_while(|d| d.is_active(now))
            .find(|d| !d.exempts(device))
    }

    /// The decision covering this IP, or the narrowest network holding it, if any.
    #[inline]
    pub fn ip(&self, ip: &IpAddr, now_ms: impl Fn() -> i64) -> Option<&Arc<Decision>> {
        if let Some(d) = self.ips.get(ip).filter(|d| d.is_active(now_ms())) {
            return Some(d);
        }
        for ((v6, prefix), bucket) in &self.cidrs {
            let masked = match (ip, v6) {
                (IpAddr::V4(v4), false) => ipnet::Ipv4Net::new(*v4, *prefix)
                    .ok()
                    .map(|n| IpAddr::V4(n.network())),
                (IpAddr::V6(a), true) => ipnet::Ipv6Net::new(*a, *prefix)
                    .ok()
                    .map(|n| IpAddr::V6(n.network())),
                _ => None,
            };
            if let Some(d) = masked
                .and_then(|m| bucket.get(&m))
                .filter(|d| d.is_active(now_ms()))
            {
                return Some(d);
            }
        }
        None
    }
}

/// Where two decisions cover one address, the one with precedence stays.
fn keep_first<K: std::hash::Hash + Eq>(map: &mut Map<K, Arc<Decision>>, key: K, d: &Arc<Decision>) {
    match map.get(&key) {
        Some(old) if precedence(old, d).is_le() => {}
        _ => {
            map.insert(key, d.clone());
        }
    }
}

/// One immutable set of decisions.
#[derive(Default)]
pub struct Snapshot {
    cursor: u64,
    by_id: Map<String, Arc<Decision>>,
    blocks: Index,
    challenges: Index,
}

impl Snapshot {
    fn build(cursor: u64, by_id: Map<String, Arc<Decision>>) -> Snapshot {
        let mut snap = Snapshot {
            cursor,
            ..Snapshot::default()
        };
        for d in by_id.values() {
            match d.action {
                Action::Challenge => snap.challenges.add(d),
                Action::Block | Action::Redirect { .. } => snap.blocks.add(d),
            }
        }
        snap.blocks.finish();
        snap.challenges.finish();
        snap.by_id = by_id;
        snap
    }

    pub fn cursor(&self) -> u64 {
        self.cursor
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    pub fn decisions(&self) -> impl Iterator<Item = &Arc<Decision>> {
        self.by_id.values()
    }

    /// Blocks and redirects: what the ban checks enforce.
    pub fn blocks(&self) -> &Index {
        &self.blocks
    }

    /// Challenges: what `assess` answers `challenge` for when nothing blocks.
    pub fn challenges(&self) -> &Index {
        &self.challenges
    }
}

/// The decisions in force, shared by request threads and the poller.
#[derive(Default)]
pub struct DecisionStore {
    current: ArcSwap<Snapshot>,
}

impl DecisionStore {
    pub fn new() -> DecisionStore {
        DecisionStore::default()
    }

    /// The snapshot in force (a lock-free read).
    pub fn load(&self) -> arc_swap::Guard<Arc<Snapshot>> {
        self.current.load()
    }

    /// Applies one response of the decision feed. Returns how many entries could not be parsed.
    pub fn apply_feed(&self, feed: &DecisionFeed) -> usize {
        let mut skipped = 0;
        let upserts: Vec<Decision> = feed
            .upserts
            .iter()
            .filter_map(|w| {
                let d = Decision::from_wire(w);
                skipped += usize::from(d.is_none());
                d
            })
            .collect();
        self.update(feed.cursor, feed.reset, upserts, &feed.deletes);
        skipped
    }

    /// Replaces (`reset`) or amends the held decisions. Expired ones are dropped on the way.
    pub fn update(&self, cursor: u64, reset: bool, upserts: Vec<Decision>, deletes: &[String]) {
        let upserts: Vec<Arc<Decision>> = upserts.into_iter().map(Arc::new).collect();
        self.rewrite(Some(cursor), reset, |by_id| {
            for id in deletes {
                by_id.remove(id);
            }
            for d in &upserts {
                by_id.insert(d.id.clone(), d.clone());
            }
        });
    }

    /// Ends this user's challenges (local mode, once the user passed one). The cursor stays.
    pub fn end_challenges(&self, user: &UserKey) {
        let target = Target::User(*user);
        self.rewrite(None, false, |by_id| {
            by_id.retain(|_, d| !(d.action == Action::Challenge && d.target == target))
        });
    }

    fn rewrite(
        &self,
        cursor: Option<u64>,
        reset: bool,
        edit: impl Fn(&mut Map<String, Arc<Decision>>),
    ) {
        let now = crate::event::now_ms();
        self.current.rcu(|old| {
            let mut by_id: Map<String, Arc<Decision>> = if reset {
                Map::default()
            } else {
                old.by_id
                    .iter()
                    .filter(|(_, d)| d.is_active(now))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            };
            edit(&mut by_id);
            Snapshot::build(cursor.unwrap_or(old.cursor), by_id)
        });
    }
}

#[cfg(test)]
mod tests;
