//! IP -> the user who last logged in successfully from it, for requests nobody identified.

use std::net::IpAddr;
use std::num::NonZeroUsize;
use std::time::Duration;

use lru::LruCache;
use parking_lot::Mutex;

use crate::identity::UserKey;

/// A bounded LRU with a time-to-live, read and written by request threads only (the worker
/// never takes this lock, so a request never waits behind network I/O).
pub struct IpUserMap {
    inner: Option<Mutex<LruCache<IpAddr, (UserKey, i64)>>>,
    ttl_ms: i64,
}

impl IpUserMap {
    pub fn new(capacity: usize, ttl: Duration) -> IpUserMap {
        IpUserMap {
            inner: NonZeroUsize::new(capacity).map(|c| Mutex::new(LruCache::new(c))),
            ttl_ms: ttl.as_millis() as i64,
        }
    }

    pub fn record(&self, ip: IpAddr, user: UserKey, now_ms: i64) {
        if let Some(m) = &self.inner {
            m.lock().put(ip, (user, now_ms));
        }
    }

    pub fn lookup(&self, ip: &IpAddr, now_ms: i64) -> Option<UserKey> {
        let mut m = self.inner.as_ref()?.lock();
        match m.get(ip) {
            Some(&(user, at)) if now_ms - at < self.ttl_ms => Some(user),
            Some(_) => {
                m.pop(ip);
                None
            }
            None => None,
        }
    }

    pub fn len(&self) -> usize {
        self.inner.as_ref().map_or(0, |m| m.lock().len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_and_capacity() {
        let map = IpUserMap::new(2, Duration::from_secs(60));
        let (a, b, c): (IpAddr, IpAddr, IpAddr) = (
            "10.0.0.1".parse().unwrap(),
            "10.0.0.2".parse().unwrap(),
            "10.0.0.3".parse().unwrap(),
        );
        map.record(a, UserKey([1; 16]), 0);
        assert_eq!(map.lookup(&a, 59_999), Some(UserKey([1; 16])));
        assert_eq!(map.lookup(&a, 60_000), None);
        map.record(a, UserKey([1; 16]), 0);
        map.record(b, UserKey([2; 16]), 0);
        map.record(c, UserKey([3; 16]), 0);
        assert_eq!(map.len(), 2);
        assert_eq!(map.lookup(&a, 1), None);
        assert_eq!(
            IpUserMap::new(0, Duration::from_secs(1)).lookup(&a, 0),
            None
        );
    }
}
