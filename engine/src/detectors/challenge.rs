//! Challenge outcomes: a failure is risk (whoever failed has the password, or is guessing
//! it); a pass trusts the device it was passed on.

use vigil_protocol::event_kind::ChallengeResult;

use super::Seen;
use crate::effect::ChallengePassed;
use crate::signal::{Signal, SignalKind};
use crate::state::UserState;

/// Applies the outcome to what is known of the user. Returns the signal of a failure, and,
/// for a pass, what the host must do about the user's open challenges.
pub(super) fn on_result(
    seen: &Seen<'_>,
    user: Option<&mut UserState>,
    result: ChallengeResult,
) -> (Option<Signal>, Option<ChallengePassed>) {
    let cfg = &seen.cfg.challenge;
    match result {
        ChallengeResult::Requested => (None, None),
        ChallengeResult::Failed => {
            if let Some(k) = user.and_then(|u| u.known.as_deref_mut()) {
                k.undo_unconfirmed();
                if let Some(id) = seen.device {
                    k.distrust(id);
                }
            }
            let signal = (cfg.failed_points > 0.0)
                .then(|| seen.signal(SignalKind::ChallengeFailed, true, true, cfg.failed_points));
            (signal, None)
        }
        ChallengeResult::Succeeded => {
            let (Some(u), Some(key), true) = (user, seen.user, cfg.passed_trusts_device) else {
                return (None, None);
            };
            let k = u.known_mut();
            k.unconfirmed = None;
            if let Some(id) = seen.device {
                k.trust(id, seen.now, seen.cfg.known.max_devices);
            }
            let passed = ChallengePassed {
                user: key,
                device: seen.device,
                ts_ms: seen.now,
            };
            (None, Some(passed))
        }
    }
}
