//! Credential stuffing: one IP failing logins across many different users.

use super::Seen;
use crate::signal::{Signal, SignalKind};
use crate::state::IpState;
use crate::window::{armed, distinct_nonzero};

/// Records the failure (tagged with the user tried) and checks the IP's window.
pub(super) fn on_failure(seen: &Seen<'_>, st: &mut IpState, user_tag: u32) -> Option<Signal> {
    let cfg = &seen.cfg.credential_stuffing;
    let span = cfg.window.ms();
    let successes = st.successes.count(seen.now, span);
    let d = st.detail_mut();
    d.fails.prune(seen.now, span);
    d.fails.push(seen.now, user_tag, cfg.failures as usize);
    if !cfg.enabled || !armed(d.stuffing_fired, seen.now, span) {
        return None;
    }
    if d.fails.count_recent(seen.now, span) < cfg.failures as usize {
        return None;
    }
    let users = distinct_nonzero(d.fails.recent(seen.now, span).map(|(_, t)| t));
    if users < cfg.distinct_users as usize {
        return None;
    }
    let failures = d.fails.count_recent(seen.now, span) as f64;
    let shared = cfg.shared_network_successes;
    if shared > 0.0 && successes >= failures * shared {
        return None;
    }
    d.stuffing_fired = seen.now;
    Some(seen.signal(SignalKind::CredentialStuffing, false, true, cfg.points))
}
