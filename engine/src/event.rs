//! What goes into the engine.

use std::net::IpAddr;

use vigil_protocol::{DeviceId, EventKind};

use crate::geo::Place;

/// One observed event. Time is always given by the caller, so replays are exact.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Unix time in milliseconds.
    pub ts_ms: i64,
    /// An alias holds the former identity by its key, the same integer as `user`.
    pub kind: EventKind<u128>,
    /// The core's 16-byte user key as a big-endian integer.
    pub user: Option<u128>,
    pub ip: Option<IpAddr>,
    /// Lower-case domain of the user's email identifier; only looked at on signup.
    pub email_domain: Option<Box<str>>,
    /// The device, from the SDK's signed cookie.
    pub device: Option<DeviceId>,
    /// Where `ip` is, when the caller already knows; otherwise the engine's geography
    /// database is asked (traces carry places so that replays need no database).
    pub place: Option<Place>,
}

impl Event {
    pub fn new(ts_ms: i64, kind: EventKind<u128>) -> Self {
        Event {
            ts_ms,
            kind,
            user: None,
            ip: None,
            email_domain: None,
            device: None,
            place: None,
        }
    }
    pub fn user(mut self, user: u128) -> Self {
        self.user = Some(user);
        self
    }
    pub fn ip(mut self, ip: IpAddr) -> Self {
        self.ip = Some(ip);
        self
    }
    pub fn device(mut self, device: DeviceId) -> Self {
        self.device = Some(device);
        self
    }
    pub fn place(mut self, place: Place) -> Self {
        self.place = Some(place);
        self
    }
    pub fn email_domain(mut self, domain: &str) -> Self {
        self.email_domain = Some(domain.to_ascii_lowercase().into_boxed_str());
        self
    }
}
