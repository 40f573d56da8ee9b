//! The client every binding wraps: track, identify, check bans, flush, shut down.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::config::Config;
use crate::decisions::Decision;
use crate::error::Result;
use smallvec::SmallVec;

use crate::event::{
    check_timestamp, now_ms, ChallengeResult, DeviceId, Event, EventKind, Properties,
    RequestContext,
};
use crate::identity::{Identity, UserKey};
use crate::seen::SeenFilter;
use crate::shared::Shared;
use crate::stats::StatsSnapshot;
use crate::verdict::{Assessment, Verdict};
use crate::worker::Worker;

pub struct Client {
    shared: Arc<Shared>,
    worker: Worker,
    seen: SeenFilter,
}

impl Client {
    /// A client from a complete configuration. Starts no thread until the first event.
    pub fn new(config: Config) -> Result<Client> {
        config.validate()?;
        Ok(Client {
            shared: Arc::new(Shared::new(config)?),
            worker: Worker::new(),
            seen: SeenFilter::default(),
        })
    }

    /// A client configured from `vigil.toml`, the environment and then `options` (code).
    pub fn from_options(options: &[(&str, &str)]) -> Result<Client> {
        Client::new(Config::load(options)?)
    }

    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    /// Client IP resolution and the block response, as configured.
    pub fn edge(&self) -> &crate::edge::Edge {
        &self.shared.config.edge
    }

    /// True when no server is configured and the in-process engine decides.
    pub fn is_local(&self) -> bool {
        self.shared.config.url.is_none()
    }

    /// Validates and normalizes identifiers under this client's PII settings.
    pub fn identity<K: AsRef<str>, V: AsRef<str>>(&self, ids: &[(K, V)]) -> Result<Identity> {
        Identity::new(ids, self.shared.pseudonymizer.as_ref())
    }

    pub fn track_signup(&self, user: Identity, request: Option<RequestContext>) -> bool {
        self.record(
            EventKind::Signup,
            Some(user),
            request,
            Properties::new(),
            None,
        )
    }

    /// Records a login attempt. `exists` (failures only) says whether the account exists.
    pub fn track_auth(
        &self,
        success: bool,
        user: Identity,
        exists: Option<bool>,
        request: Option<RequestContext>,
    ) -> bool {
        let kind = if success {
            if let Some(ip) = request.as_ref().and_then(|r| r.ip) {
                self.shared.ip_map.record(ip, user.key(), now_ms());
            }
            EventKind::AuthSuccess
        } else {
            EventKind::AuthFailure { exists }
        };
        self.record(kind, Some(user), request, Properties::new(), None)
    }

    /// Records a custom event (`name` checked by [`EventKind::custom`]).
    pub fn track_event(
        &self,
        name: &str,
        user: Option<Identity>,
        properties: Properties,
        ts_ms: Option<i64>,
        request: Option<RequestContext>,
    ) -> Result<bool> {
        let kind = EventKind::custom(name)?;
        let ts_ms = ts_ms.map(check_timestamp).transpose()?;
        Ok(self.record(kind, user, request, properties, ts_ms))
    }

    /// Records how a challenge went (`assess` said `challenge`, and the app asked the user to
    /// prove who they are). A success ends the user's challenges (the server, or local mode,
    /// deletes them) and makes the request's device one of the user's known devices.
    pub fn track_challenge(
        &self,
        result: ChallengeResult,
        user: Identity,
        request: Option<RequestContext>,
    ) -> bool {
        self.record(
            EventKind::Challenge { result },
            Some(user),
            request,
            Properties::new(),
            None,
        )
    }

    /// Carries `previous`'s risk and history over to `current` (e.g. after an e-mail change).
    pub fn alias(
        &self,
        previous: Identity,
        current: Identity,
        request: Option<RequestContext>,
    ) -> bool {
        self.record(
            EventKind::Alias {
                previous: Box::new(previous),
            },
            Some(current),
            request,
            Properties::new(),
            None,
        )
    }

    /// Associates `user` with the current request: records at most one `identify.seen` per user,
    /// IP and minute, and returns the decision that blocks this user (on the request's device)
    /// or this IP, if any.
    pub fn identify(
        &self,
        user: Identity,
        request: Option<RequestContext>,
    ) -> Option<Arc<Decision>> {
        let ip = request.as_ref().and_then(|r| r.ip);
        let device = request.as_ref().and_then(|r| r.device);
        let decision = self.check(Some(&user.key()), ip.as_ref(), device);
        let now = now_ms();
        if self.seen.first_this_minute(&user.key(), ip.as_ref(), now) {
            self.record(
                EventKind::IdentifySeen,
                Some(user),
                request,
                Properties::new(),
                Some(now),
            );
        }
        decision
    }

    /// The decision blocking this request, if any: the user's (unless it exempts `device`),
    /// else the IP's. When `user` is unknown, the user who last logged in successfully from
    /// `ip` stands in for it. Challenges are not blocks: see [`assess`](Self::assess).
    pub fn check(
        &self,
        user: Option<&UserKey>,
        ip: Option<&IpAddr>,
        device: Option<DeviceId>,
    ) -> Option<Arc<Decision>> {
        self.worker.ensure_started(&self.shared);
        let snapshot = self.shared.decisions.load();
        if snapshot.is_empty() {
            return None;
        }
        let blocks = snapshot.blocks();
        let fallback;
        let user = match user {
            Some(u) => Some(u),
            None => {
                fallback = self.stand_in(ip, blocks.has_users());
                fallback.as_ref()
            }
        };
        if let Some(d) = user.and_then(|u| blocks.user(u, device, now_ms)) {
            return Some(d.clone());
        }
        ip.and_then(|ip| blocks.ip(ip, now_ms)).cloned()
    }

    /// The verdict on a request from the decisions held: `Deny` when a block or redirect
    /// covers the user (unless it exempts the request's device) or the IP, else `Challenge`
    /// when a challenge covers either, else `Allow`. With no `user`, the user who last logged
    /// in from the IP stands in, as in [`check`](Self::check). Reads the snapshot only: no
    /// I/O, no allocation, no lock but the IP map's on that stand-in lookup.
    pub fn assess(&self, user: Option<&UserKey>, request: Option<&RequestContext>) -> Assessment {
        self.worker.ensure_started(&self.shared);
        let snapshot = self.shared.decisions.load();
        if snapshot.is_empty() {
            return Assessment::allow();
        }
        let ip = request.and_then(|r| r.ip.as_ref());
        let device = request.and_then(|r| r.device);
        let (blocks, challenges) = (snapshot.blocks(), snapshot.challenges());
        let fallback;
        let user = match user {
            Some(u) => Some(u),
            None => {
                fallback = self.stand_in(ip, blocks.has_users() || challenges.has_users());
                fallback.as_ref()
            }
        };
        let now = now_ms();
        for (index, verdict) in [(blocks, Verdict::Deny), (challenges, Verdict::Challenge)] {
            let mut found = Assessment {
                verdict,
                decisions: SmallVec::new(),
            };
            found
                .decisions
                .extend(user.and_then(|u| index.user(u, device, || now)).cloned());
            found
                .decisions
                .extend(ip.and_then(|ip| index.ip(ip, || now)).cloned());
            if !found.decisions.is_empty() {
                return found;
            }
        }
        Assessment::allow()
    }

    /// The user who last logged in from `ip`, when a user decision could apply to them.
    fn stand_in(&self, ip: Option<&IpAddr>, wanted: bool) -> Option<UserKey> {
        ip.filter(|_| wanted)
            .and_then(|ip| self.shared.ip_map.lookup(ip, now_ms()))
    }

    /// Is this user blocked on this device? (No IP fallback; a lock-free read.)
    #[inline]
    pub fn user_blocked(&self, user: &UserKey, device: Option<DeviceId>) -> bool {
        self.worker.ensure_started(&self.shared);
        self.shared
            .decisions
            .load()
            .blocks()
            .user(user, device, now_ms)
            .is_some()
    }

    /// The decision blocking this IP (or a network containing it), if any: the per-request check
    /// a middleware makes before anyone is identified. A lock-free read, no IP-to-user lookup.
    #[inline]
    pub fn ip_decision(&self, ip: &IpAddr) -> Option<Arc<Decision>> {
        self.worker.ensure_started(&self.shared);
        self.shared
            .decisions
            .load()
            .blocks()
            .ip(ip, now_ms)
            .cloned()
    }

    /// Is this IP (or a network containing it) blocked? (A lock-free read.)
    #[inline]
    pub fn ip_blocked(&self, ip: &IpAddr) -> bool {
        self.ip_decision(ip).is_some()
    }

    /// True once [`shutdown`](Self::shutdown) ran: later events are dropped.
    pub fn is_shut_down(&self) -> bool {
        self.worker.is_shut_down()
    }

    /// Waits until every event recorded before the call is delivered, or `timeout`.
    pub fn flush(&self, timeout: Duration) -> bool {
        self.worker.flush(&self.shared, timeout)
    }

    /// Flushes within `timeout`, then stops the worker. Later events are dropped and counted.
    pub fn shutdown(&self, timeout: Duration) -> bool {
        self.worker.shutdown(&self.shared, timeout)
    }

    pub fn stats(&self) -> StatsSnapshot {
        self.shared.stats.snapshot(
            self.shared.queue.len(),
            self.shared.decisions.load().len(),
            self.shared.ip_map.len(),
        )
    }

    /// Decisions store, for local mode and tests.
    pub fn decisions(&self) -> &crate::decisions::DecisionStore {
        &self.shared.decisions
    }

    pub fn before_fork(&self) {
        self.worker.before_fork();
    }

    pub fn after_fork_parent(&self) {
        self.worker.after_fork_parent(&self.shared);
    }

    pub fn after_fork_child(&self) {
        self.worker.after_fork_child(&self.shared);
    }

    fn record(
        &self,
        kind: EventKind,
        user: Option<Identity>,
        request: Option<RequestContext>,
        properties: Properties,
        ts_ms: Option<i64>,
    ) -> bool {
        let ts_ms = ts_ms.unwrap_or_else(now_ms);
        let event = Event {
            id: None,
            ts_ms,
            kind,
            user,
            request: request.filter(|r| !r.is_empty()),
            properties,
        };
        if self.worker.is_shut_down() {
            crate::stats::Stats::add(&self.shared.stats.dropped, 1);
            return false;
        }
        self.worker.ensure_started(&self.shared);
        self.shared.enqueue(event)
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if !self.worker.is_shut_down() {
            self.shutdown(Duration::from_secs(2));
        }
    }
}
