//! Account enumeration: one IP trying many accounts that do not exist.

use super::Seen;
use crate::signal::{Signal, SignalKind};
use crate::state::IpDetail;
use crate::window::armed;

pub(super) fn on_unknown_account(seen: &Seen<'_>, d: &mut IpDetail) -> Option<Signal> {
    let cfg = &seen.cfg.account_enumeration;
    let span = cfg.window.ms();
    d.unknown.prune(seen.now, span);
    d.unknown.push(seen.now, (), cfg.failures as usize);
    if !cfg.enabled || !armed(d.enumeration_fired, seen.now, span) {
        return None;
    }
    if d.unknown.count_recent(seen.now, span) < cfg.failures as usize {
        return None;
    }
    d.enumeration_fired = seen.now;
    Some(seen.signal(SignalKind::AccountEnumeration, false, true, cfg.points))
}
