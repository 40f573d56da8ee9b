//! Keeps `identify.seen` to about one event per user, IP and minute without a lock: a
//! direct-mapped table of hashes. A collision only costs an extra event, never a lost block.

use std::hash::BuildHasher;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::identity::UserKey;

const SLOTS: usize = 4096;

pub struct SeenFilter {
    slots: Box<[AtomicU64]>,
    hasher: foldhash::fast::FixedState,
}

impl Default for SeenFilter {
    fn default() -> Self {
        SeenFilter {
            slots: (0..SLOTS).map(|_| AtomicU64::new(0)).collect(),
            hasher: foldhash::fast::FixedState::with_seed(0x5eed),
        }
    }
}

impl SeenFilter {
    /// True the first time (user, ip) is seen in the minute of `now_ms`.
    pub fn first_this_minute(&self, user: &UserKey, ip: Option<&IpAddr>, now_ms: i64) -> bool {
        let tag = self.hasher.hash_one((user, ip, now_ms / 60_000)) | 1;
        let slot = &self.slots[(tag >> 52) as usize % SLOTS];
        slot.swap(tag, Ordering::Relaxed) != tag
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn once_per_minute() {
        let f = SeenFilter::default();
        let u = UserKey([1; 16]);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        assert!(f.first_this_minute(&u, Some(&ip), 60_000));
        assert!(!f.first_this_minute(&u, Some(&ip), 119_999));
        assert!(f.first_this_minute(&u, Some(&ip), 120_000));
        assert!(f.first_this_minute(&u, None, 120_000));
    }
}
