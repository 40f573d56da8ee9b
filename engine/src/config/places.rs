//! Configuration of what the engine learns about each user's devices and places, of the
//! challenge outcome and of the lockout exemption.

use serde::{Deserialize, Serialize};

use crate::duration::DurationMs;

/// A successful login from a device (signed cookie) this user never logged in from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewDeviceConfig {
    pub enabled: bool,
    pub points: f64,
}

/// A successful login from a country this user never logged in from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewCountryConfig {
    pub enabled: bool,
    pub points: f64,
}

/// Two successful logins further apart than anyone can travel in the time between them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImpossibleTravelConfig {
    pub enabled: bool,
    /// Faster than this between the two logins is impossible (an airliner does about 900).
    pub max_speed_kmh: f64,
    /// Closer than this is never travel: country centroids and city databases are that
    /// imprecise, and neighbouring countries' centroids can be a few hundred km apart.
    pub min_distance_km: f64,
    pub points: f64,
}

/// Logins and signups from a hosting or cloud network (by ASN): people rarely browse from
/// a data centre; scripts do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HostingNetworkConfig {
    pub enabled: bool,
    pub points: f64,
    /// At most one signal per user (per IP without a user) per this period.
    pub window: DurationMs,
}

/// What a challenge's outcome (`challenge_track`) does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChallengeConfig {
    /// Risk points of a failed challenge (signal `challenge_failed`); 0 disables it.
    pub failed_points: f64,
    /// A passed challenge trusts the device it was passed on and ends the user's challenges.
    pub passed_trusts_device: bool,
}

/// Lockouts that cannot be turned against the victim: a user block raised by one of
/// `signals` (attacks on the account) does not apply on the user's known devices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LockoutConfig {
    pub exempt_known_devices: bool,
    pub signals: Vec<String>,
}

/// How much the engine remembers per user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KnownConfig {
    /// Devices, countries and networks kept per user (the least recently used goes first).
    pub max_devices: usize,
    pub max_countries: usize,
    pub max_networks: usize,
    /// A user not seen for this long is forgotten (their next login is a first one again).
    pub forget_after: DurationMs,
}

impl Default for NewDeviceConfig {
    fn default() -> Self {
        NewDeviceConfig {
            enabled: true,
            points: 5.0,
        }
    }
}

impl Default for NewCountryConfig {
    fn default() -> Self {
        NewCountryConfig {
            enabled: true,
            points: 15.0,
        }
    }
}

impl Default for ImpossibleTravelConfig {
    fn default() -> Self {
        ImpossibleTravelConfig {
            enabled: true,
            max_speed_kmh: 1000.0,
            min_distance_km: 500.0,
            points: 40.0,
        }
    }
}

impl Default for HostingNetworkConfig {
    fn default() -> Self {
        HostingNetworkConfig {
            enabled: true,
            points: 10.0,
            window: DurationMs::from_hours(24),
        }
    }
}

impl Default for ChallengeConfig {
    fn default() -> Self {
        ChallengeConfig {
            failed_points: 25.0,
            passed_trusts_device: true,
        }
    }
}

impl Default for LockoutConfig {
    fn default() -> Self {
        LockoutConfig {
            exempt_known_devices: true,
            signals: vec!["brute_force".into(), "distributed_brute_force".into()],
        }
    }
}

impl Default for KnownConfig {
    fn default() -> Self {
        KnownConfig {
            max_devices: 8,
            max_countries: 8,
            max_networks: 8,
            forget_after: DurationMs::from_days(90),
        }
    }
}
