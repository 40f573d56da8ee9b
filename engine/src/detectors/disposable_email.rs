//! Disposable or anonymizing email domain at signup.

use super::Seen;
use crate::signal::{Signal, SignalKind};

pub(super) fn check(seen: &Seen<'_>, domain: &str) -> Option<Signal> {
    let cfg = &seen.cfg.disposable_email;
    (cfg.enabled && seen.lists.is_disposable(domain))
        .then(|| seen.signal(SignalKind::DisposableEmail, true, true, cfg.points))
}
