//! Signup burst: many accounts created from one IP.

use super::Seen;
use crate::signal::{Signal, SignalKind};
use crate::state::IpDetail;
use crate::window::armed;

pub(super) fn on_signup(seen: &Seen<'_>, d: &mut IpDetail) -> Option<Signal> {
    let cfg = &seen.cfg.signup_burst;
    let span = cfg.window.ms();
    d.signups.prune(seen.now, span);
    d.signups.push(seen.now, (), cfg.signups as usize);
    if !cfg.enabled || !armed(d.signup_burst_fired, seen.now, span) {
        return None;
    }
    if d.signups.count_recent(seen.now, span) < cfg.signups as usize {
        return None;
    }
    d.signup_burst_fired = seen.now;
    Some(seen.signal(SignalKind::SignupBurst, false, true, cfg.points))
}
