//! Likely takeover: a successful login from an IP that was failing on this very user, or
//! that an attack signal recently named (e.g. the success at the end of a stuffing run).
//! Only failures since the last success from that IP count: the owner who mistypes twice,
//! logs in, and later mistypes twice again is not an attacker.

use super::Seen;
use crate::signal::{Signal, SignalKind};
use crate::state::{ip_tag, IpState, UserState};
use crate::window::armed;

pub(super) fn on_success(
    seen: &Seen<'_>,
    user: &mut UserState,
    ip: &IpState,
    fail_span: i64,
) -> Option<Signal> {
    let cfg = &seen.cfg.likely_takeover;
    let span = cfg.window.ms();
    if !cfg.enabled {
        return None;
    }
    let flagged = seen.now.saturating_sub(ip.flagged_at) < span;
    let failed_here = match user.detail.as_deref_mut() {
        Some(d) => {
            d.fails.prune(seen.now, fail_span);
            let tag = ip_tag(seen.ip);
            let n = d
                .fails
                .recent(seen.now, span)
                .filter(|&(_, t)| t == tag)
                .count();
            d.fails.retain(|t| t != tag);
            n >= cfg.failures as usize
        }
        None => false,
    };
    if !(flagged || failed_here) {
        return None;
    }
    let d = user.detail_mut();
    if !armed(d.takeover_fired, seen.now, span) {
        return None;
    }
    d.takeover_fired = seen.now;
    Some(seen.signal(SignalKind::LikelyTakeover, true, true, cfg.points))
}
