//! Logins and signups from listed networks (Tor exits and the like, from list files).

use super::Seen;
use crate::signal::{Signal, SignalKind};
use crate::state::{IpState, UserState};
use crate::window::armed;

/// At most one signal per user per window (per IP when there is no user): someone who
/// always uses Tor should not climb to the cap from routine logins.
pub(super) fn check(
    seen: &Seen<'_>,
    user: Option<&mut UserState>,
    ip: Option<&mut IpState>,
) -> Option<Signal> {
    let cfg = &seen.cfg.listed_network;
    if !cfg.enabled || !seen.ip.is_some_and(|ip| seen.lists.is_listed(ip)) {
        return None;
    }
    let fired = match (user, ip) {
        (Some(u), _) => &mut u.detail_mut().listed_fired,
        (None, Some(s)) => &mut s.detail_mut().listed_fired,
        (None, None) => return None,
    };
    if !armed(*fired, seen.now, cfg.window.ms()) {
        return None;
    }
    *fired = seen.now;
    Some(seen.signal(SignalKind::ListedNetwork, true, true, cfg.points))
}
