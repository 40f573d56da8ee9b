//! Ban decisions held by the SDK: an immutable snapshot behind an atomic pointer.
//!
//! Request threads only ever `load` the snapshot (lock-free); the poller builds a new one and
//! swaps it in. Updates are rare and checks are constant, so copy-on-write is the right trade.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use arc_swap::ArcSwap;
use foldhash::fast::RandomState;
use ipnet::IpNet;

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
    Redirect { url: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub id: String,
    pub target: Target,
    pub action: Action,
    /// Unix milliseconds; `None` never expires.
    pub expires_at_ms: Option<i64>,
    pub reason: String,
}

impl Decision {
    pub fn is_active(&self, now_ms: i64) -> bool {
        self.expires_at_ms.is_none_or(|t| now_ms < t)
    }

    /// Parses a decision from the feed; `None` (and a warning) for one this SDK cannot apply.
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
            _ => return None,
        };
        let expires_at_ms = match &w.expires_at {
            Some(s) => Some(parse_ts(s)?),
            None => None,
        };
        Some(Decision {
            id: w.id.clone(),
            target,
            action,
            expires_at_ms,
            reason: w.reason.clone(),
        })
    }
}

type Map<K, V> = HashMap<K, V, RandomState>;

/// One immutable set of decisions, indexed for constant-time checks.
#[derive(Default)]
pub struct Snapshot {
    cursor: u64,
    by_id: Map<String, Arc<Decision>>,
    users: Map<UserKey, Arc<Decision>>,
    ips: Map<IpAddr, Arc<Decision>>,
    /// CIDR decisions grouped by prefix length, so a check costs one lookup per distinct length.
    cidrs: Vec<(u8, Map<IpAddr, Arc<Decision>>)>,
}

impl Snapshot {
    fn build(cursor: u64, by_id: Map<String, Arc<Decision>>) -> Snapshot {
        let mut snap = Snapshot {
            cursor,
            ..Snapshot::default()
        };
        for d in by_id.values() {
            match &d.target {
                Target::User(k) => keep_longest(&mut snap.users, *k, d),
                Target::Ip(ip) => keep_longest(&mut snap.ips, *ip, d),
                Target::Cidr(net) => {
                    let len = net.prefix_len() + if net.addr().is_ipv4() { 0 } else { 128 };
                    let bucket = match snap.cidrs.iter().position(|(l, _)| *l == len) {
                        Some(i) => &mut snap.cidrs[i].1,
                        None => {
                            snap.cidrs.push((len, Map::default()));
                            &mut snap.cidrs.last_mut().expect("just pushed").1
                        }
                    };
                    keep_longest(bucket, net.network(), d);
                }
            }
        }
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

    pub fn user(&self, key: &UserKey, now_ms: impl FnOnce() -> i64) -> Option<&Arc<Decision>> {
        self.users.get(key).filter(|d| d.is_active(now_ms()))
    }

    pub fn ip(&self, ip: &IpAddr, now_ms: impl Fn() -> i64) -> Option<&Arc<Decision>> {
        if let Some(d) = self.ips.get(ip).filter(|d| d.is_active(now_ms())) {
            return Some(d);
        }
        for (len, bucket) in &self.cidrs {
            let (is_v6_bucket, prefix) = (*len > 128, len % 128);
            let masked = match (ip, is_v6_bucket) {
                (IpAddr::V4(v4), false) => ipnet::Ipv4Net::new(*v4, prefix)
                    .ok()
                    .map(|n| IpAddr::V4(n.network())),
                (IpAddr::V6(v6), true) => ipnet::Ipv6Net::new(*v6, prefix)
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

/// Where two decisions cover one target, the one that lasts longer wins.
fn keep_longest<K: std::hash::Hash + Eq>(
    map: &mut Map<K, Arc<Decision>>,
    key: K,
    d: &Arc<Decision>,
) {
    let lasts = |x: &Decision| x.expires_at_ms.unwrap_or(i64::MAX);
    match map.get(&key) {
        Some(old) if lasts(old) >= lasts(d) => {}
        _ => {
            map.insert(key, d.clone());
        }
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
            for id in deletes {
                by_id.remove(id);
            }
            for d in &upserts {
                by_id.insert(d.id.clone(), Arc::new(d.clone()));
            }
            Snapshot::build(cursor, by_id)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(id: &str, scope: &str, value: &str, expires_at: Option<&str>) -> WireDecision {
        WireDecision {
            id: id.into(),
            scope: scope.into(),
            value: value.into(),
            action: "block".into(),
            url: None,
            expires_at: expires_at.map(Into::into),
            reason: "test".into(),
            ids: None,
        }
    }

    #[test]
    fn user_ip_and_cidr_scopes() {
        let store = DecisionStore::new();
        let key = UserKey([7; 16]);
        let skipped = store.apply_feed(&DecisionFeed {
            cursor: 3,
            reset: true,
            upserts: vec![
                wire("d1", "user", &key.to_string(), None),
                wire("d2", "ip", "203.0.113.7", None),
                wire("d3", "cidr", "198.51.100.0/24", None),
                wire("d4", "cidr", "2001:db8::/32", None),
                wire("bad", "planet", "x", None),
            ],
            deletes: vec![],
        });
        assert_eq!(skipped, 1);
        let snap = store.load();
        let now = || 0;
        assert_eq!(snap.cursor(), 3);
        assert!(snap.user(&key, now).is_some());
        assert!(snap.user(&UserKey([8; 16]), now).is_none());
        assert!(snap.ip(&"203.0.113.7".parse().unwrap(), now).is_some());
        assert!(snap.ip(&"198.51.100.99".parse().unwrap(), now).is_some());
        assert!(snap.ip(&"198.51.101.1".parse().unwrap(), now).is_none());
        assert!(snap.ip(&"2001:db8:1::5".parse().unwrap(), now).is_some());
        assert!(snap.ip(&"2001:db9::5".parse().unwrap(), now).is_none());
    }

    #[test]
    fn expiry_and_deletes() {
        let store = DecisionStore::new();
        store.apply_feed(&DecisionFeed {
            cursor: 1,
            reset: true,
            upserts: vec![
                wire("d1", "ip", "10.0.0.1", Some("2030-01-01T00:00:00Z")),
                wire("d2", "ip", "10.0.0.2", None),
            ],
            deletes: vec![],
        });
        let ip1: IpAddr = "10.0.0.1".parse().unwrap();
        let before = parse_ts("2029-12-31T23:59:59Z").unwrap();
        let after = parse_ts("2030-01-01T00:00:00Z").unwrap();
        assert!(store.load().ip(&ip1, || before).is_some());
        assert!(store.load().ip(&ip1, || after).is_none());
        store.apply_feed(&DecisionFeed {
            cursor: 2,
            reset: false,
            upserts: vec![],
            deletes: vec!["d2".into()],
        });
        assert!(store
            .load()
            .ip(&"10.0.0.2".parse().unwrap(), || 0)
            .is_none());
        assert_eq!(store.load().len(), 1);
    }
}
