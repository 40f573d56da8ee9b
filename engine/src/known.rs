//! What the engine remembers of each user's logins: devices, countries, networks and the
//! last place a login came from. Bounded per user: the least recently seen entry goes first.

use vigil_protocol::DeviceId;

use crate::config::KnownConfig;
use crate::geo::{Country, LatLon, Place};

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct KnownDevice {
    pub id: DeviceId,
    pub last_ms: i64,
    /// Logged in successfully, or passed a challenge: exempt from lockouts.
    pub trusted: bool,
}

#[derive(Debug, Default)]
pub(crate) struct Known {
    pub devices: Vec<KnownDevice>,
    pub countries: Vec<(Country, i64)>,
    pub networks: Vec<(u32, i64)>,
    /// The last successful login that had a location: when, and where.
    pub last_login: Option<(i64, LatLon)>,
    pub logins: u32,
    /// The last time anything here changed (for forgetting idle users).
    pub last_ms: i64,
    /// What the last suspicious login taught, until a challenge settles it: a failed
    /// challenge takes it back, so the attacker's place becomes neither the owner's last
    /// login nor one of their countries.
    pub unconfirmed: Option<Unconfirmed>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Unconfirmed {
    pub previous_login: Option<(i64, LatLon)>,
    pub country: Option<Country>,
}

/// What a successful login was new in.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub(crate) struct Novelty {
    pub device: bool,
    pub country: bool,
    /// Speed in km/h from the last login's place, when both had a location.
    pub speed: Option<(f64, f64)>,
}

impl Known {
    /// Compares a successful login with what is known, then remembers it. A user's first
    /// login is new in nothing: there is nothing yet to compare it with.
    pub fn login(
        &mut self,
        now: i64,
        device: Option<DeviceId>,
        place: &Place,
        cfg: &KnownConfig,
    ) -> Novelty {
        let first = self.logins == 0;
        let mut novelty = Novelty::default();
        if let Some(id) = device {
            novelty.device = !first && !self.devices.iter().any(|d| d.id == id);
            self.touch_device(id, now, cfg.max_devices);
        }
        if let Some(c) = place.country {
            novelty.country = !first && !self.countries.iter().any(|(k, _)| *k == c);
            remember(&mut self.countries, c, now, cfg.max_countries);
        }
        if let Some(asn) = place.asn {
            remember(&mut self.networks, asn, now, cfg.max_networks);
        }
        if let Some(here) = place.location {
            if let Some((then, there)) = self.last_login {
                let km = there.distance_km(&here);
                // One minute at least: two logins in the same millisecond are not infinitely fast.
                let hours = (now.saturating_sub(then).max(60_000)) as f64 / 3_600_000.0;
                novelty.speed = Some((km, km / hours));
            }
            self.last_login = Some((now, here));
        }
        self.logins = self.logins.saturating_add(1);
        self.last_ms = now;
        novelty
    }

    /// Trusts a device (a challenge passed on it).
    pub fn trust(&mut self, id: DeviceId, now: i64, cap: usize) {
        self.touch_device(id, now, cap);
        self.last_ms = now;
    }

    fn touch_device(&mut self, id: DeviceId, now: i64, cap: usize) {
        match self.devices.iter_mut().find(|d| d.id == id) {
            Some(d) => {
                d.last_ms = now;
                d.trusted = true;
            }
            None => {
                evict_oldest(&mut self.devices, cap, |d| d.last_ms);
                self.devices.push(KnownDevice {
                    id,
                    last_ms: now,
                    trusted: true,
                });
            }
        }
    }

    /// Takes back what the unconfirmed login taught (a challenge on it failed).
    pub fn undo_unconfirmed(&mut self) {
        if let Some(u) = self.unconfirmed.take() {
            self.last_login = u.previous_login;
            if let Some(c) = u.country {
                self.countries.retain(|(k, _)| *k != c);
            }
        }
    }

    /// Withdraws a device's trust (a challenge failed on it, or its login looked like a
    /// takeover); it stays known, so it is not new again.
    pub fn distrust(&mut self, id: DeviceId) {
        if let Some(d) = self.devices.iter_mut().find(|d| d.id == id) {
            d.trusted = false;
        }
    }

    /// Devices exempt from lockouts.
    pub fn trusted_devices(&self) -> impl Iterator<Item = DeviceId> + '_ {
        self.devices.iter().filter(|d| d.trusted).map(|d| d.id)
    }
}

fn remember<T: PartialEq>(list: &mut Vec<(T, i64)>, value: T, now: i64, cap: usize) {
    match list.iter_mut().find(|(v, _)| *v == value) {
        Some(entry) => entry.1 = now,
        None => {
            evict_oldest(list, cap, |e| e.1);
            list.push((value, now));
        }
    }
}

fn evict_oldest<T>(list: &mut Vec<T>, cap: usize, last: impl Fn(&T) -> i64) {
    while list.len() >= cap.max(1) {
        let oldest = (0..list.len())
            .min_by_key(|&i| last(&list[i]))
            .expect("list is not empty");
        list.swap_remove(oldest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(country: &str, lat: f32, lon: f32) -> Place {
        Place {
            country: Country::parse(country),
            asn: None,
            location: Some(LatLon { lat, lon }),
            precise: true,
        }
    }

    #[test]
    fn first_login_is_new_in_nothing_and_lists_stay_bounded() {
        let cfg = KnownConfig {
            max_devices: 2,
            ..KnownConfig::default()
        };
        let mut k = Known::default();
        let paris = place("FR", 48.85, 2.35);
        assert_eq!(
            k.login(0, Some(DeviceId(1)), &paris, &cfg),
            Novelty::default()
        );
        let n = k.login(3_600_000, Some(DeviceId(2)), &paris, &cfg);
        assert!(n.device && !n.country);
        k.login(7_200_000, Some(DeviceId(3)), &paris, &cfg);
        assert_eq!(k.devices.len(), 2);
        // Device 1 was the least recently seen: forgotten, so it is new again.
        assert!(k.login(9_000_000, Some(DeviceId(1)), &paris, &cfg).device);
        let ny = place("US", 40.71, -74.0);
        let n = k.login(9_000_000 + 3_600_000, None, &ny, &cfg);
        let (km, kmh) = n.speed.unwrap();
        assert!(n.country && (5_800.0..5_900.0).contains(&km) && kmh > 5_000.0);
    }
}
