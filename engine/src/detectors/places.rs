//! New devices, new countries and impossible travel, from a user's successful logins.

use super::Seen;
use crate::known::{Known, Unconfirmed};
use crate::signal::{Signal, SignalKind};
use crate::state::UserState;

pub(super) fn on_success(seen: &Seen<'_>, user: &mut UserState, found: &mut Vec<Signal>) {
    let cfg = seen.cfg;
    let known: &mut Known = user.known_mut();
    let previous_login = known.last_login;
    let novelty = known.login(seen.now, seen.device, &seen.place, &cfg.known);
    let mut suspicious = false;
    if novelty.device && cfg.new_device.enabled {
        found.push(seen.signal(SignalKind::NewDevice, true, false, cfg.new_device.points));
    }
    if novelty.country && cfg.new_country.enabled {
        suspicious = true;
        found.push(seen.signal(SignalKind::NewCountry, true, true, cfg.new_country.points));
    }
    let t = &cfg.impossible_travel;
    if let Some((km, kmh)) = novelty.speed {
        if t.enabled && km >= t.min_distance_km && kmh > t.max_speed_kmh {
            suspicious = true;
            found.push(seen.signal(SignalKind::ImpossibleTravel, true, true, t.points));
        }
    }
    // A device earns lockout exemption by logging in from where the user usually is, or by
    // passing a challenge; not by a login that is itself in question.
    if let (true, Some(id)) = (suspicious, seen.device) {
        known.distrust(id);
    }
    known.unconfirmed = suspicious.then_some(Unconfirmed {
        previous_login,
        country: seen.place.country.filter(|_| novelty.country),
    });
}
