//! Distributed brute force: many failures on one user spread over many IPs. The IPs are
//! typically a botnet's, each too quiet to notice alone; the signal names only the user.

use super::Seen;
use crate::signal::{Signal, SignalKind};
use crate::state::UserDetail;
use crate::window::{armed, distinct_nonzero};

pub(super) fn check(seen: &Seen<'_>, d: &mut UserDetail) -> Option<Signal> {
    let cfg = &seen.cfg.distributed_brute_force;
    let span = cfg.window.ms();
    if !cfg.enabled || !armed(d.distributed_fired, seen.now, span) {
        return None;
    }
    if d.fails.count_recent(seen.now, span) < cfg.failures as usize {
        return None;
    }
    let ips = distinct_nonzero(d.fails.recent(seen.now, span).map(|(_, t)| t));
    if ips < cfg.distinct_ips as usize {
        return None;
    }
    d.distributed_fired = seen.now;
    Some(seen.signal(SignalKind::DistributedBruteForce, true, false, cfg.points))
}
