//! Logins and signups from hosting and cloud networks, by the ASN of the place.

use super::Seen;
use crate::signal::{Signal, SignalKind};
use crate::state::{IpState, UserState};
use crate::window::armed;

/// At most one signal per user per window (per IP when there is no user), as for listed
/// networks: a user behind a cloud VPN must not climb to the cap from routine logins. A
/// failed login names only the IP: the account is the target, not the one in a data centre.
pub(super) fn check(
    seen: &Seen<'_>,
    user: Option<&mut UserState>,
    ip: Option<&mut IpState>,
    failed: bool,
) -> Option<Signal> {
    let cfg = &seen.cfg.hosting_network;
    if !cfg.enabled || !seen.place.asn.is_some_and(|a| seen.geo.is_hosting(a)) {
        return None;
    }
    let user = user.filter(|_| !failed);
    let fired = match (user, ip) {
        (Some(u), _) => &mut u.detail_mut().hosting_fired,
        (None, Some(s)) => &mut s.detail_mut().hosting_fired,
        (None, None) => return None,
    };
    if !armed(*fired, seen.now, cfg.window.ms()) {
        return None;
    }
    *fired = seen.now;
    Some(seen.signal(SignalKind::HostingNetwork, !failed, true, cfg.points))
}
