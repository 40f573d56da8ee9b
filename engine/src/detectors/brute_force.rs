//! Brute force on one user: many failed logins on the same account in a short window.

use super::Seen;
use crate::signal::{Signal, SignalKind};
use crate::state::UserDetail;
use crate::window::armed;

/// `ip_tag` is the tag of this failure's IP. The signal names that IP only when it made at
/// least half of the failures in the window; a victim's own typo that happens to be the
/// tenth failure must never get the victim's IP blocked, so when another IP dominates the
/// window this failure does not fire and that IP's next failure does.
pub(super) fn check(seen: &Seen<'_>, d: &mut UserDetail, ip_tag: u32) -> Option<Signal> {
    let cfg = &seen.cfg.brute_force;
    let span = cfg.window.ms();
    if !cfg.enabled || !armed(d.brute_force_fired, seen.now, span) {
        return None;
    }
    let n = d.fails.count_recent(seen.now, span);
    if n < cfg.failures as usize {
        return None;
    }
    let mut tags = [0u32; 64];
    let mut len = 0;
    for (_, t) in d.fails.recent(seen.now, span).take(tags.len()) {
        tags[len] = t;
        len += 1;
    }
    let (top, top_count) = dominant(&tags[..len]);
    let attach_ip = top != 0 && top_count * 2 >= n;
    if attach_ip && top != ip_tag {
        return None;
    }
    d.brute_force_fired = seen.now;
    Some(seen.signal(SignalKind::BruteForce, true, attach_ip, cfg.points))
}

/// The most frequent tag and its count (the newest wins ties, for determinism).
fn dominant(tags: &[u32]) -> (u32, usize) {
    let mut best = (0, 0);
    for &t in tags {
        let c = tags.iter().filter(|&&x| x == t).count();
        if c > best.1 {
            best = (t, c);
        }
    }
    best
}
