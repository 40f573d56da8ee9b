//! Detector outputs: what was seen, about whom, and how many risk points it is worth.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use serde::{Serialize, Serializer};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SignalKind {
    BruteForce,
    CredentialStuffing,
    DistributedBruteForce,
    AccountEnumeration,
    LikelyTakeover,
    SignupBurst,
    DisposableEmail,
    ListedNetwork,
    NewDevice,
    NewCountry,
    ImpossibleTravel,
    HostingNetwork,
    ChallengeFailed,
    /// A configured custom event; displays as `custom:<name>`.
    Custom(Arc<str>),
}

impl SignalKind {
    /// The built-in kinds, for configuration checks and reports.
    pub const BUILTIN: [SignalKind; 13] = [
        SignalKind::BruteForce,
        SignalKind::CredentialStuffing,
        SignalKind::DistributedBruteForce,
        SignalKind::AccountEnumeration,
        SignalKind::LikelyTakeover,
        SignalKind::SignupBurst,
        SignalKind::DisposableEmail,
        SignalKind::ListedNetwork,
        SignalKind::NewDevice,
        SignalKind::NewCountry,
        SignalKind::ImpossibleTravel,
        SignalKind::HostingNetwork,
        SignalKind::ChallengeFailed,
    ];

    pub fn name(&self) -> &str {
        match self {
            SignalKind::BruteForce => "brute_force",
            SignalKind::CredentialStuffing => "credential_stuffing",
            SignalKind::DistributedBruteForce => "distributed_brute_force",
            SignalKind::AccountEnumeration => "account_enumeration",
            SignalKind::LikelyTakeover => "likely_takeover",
            SignalKind::SignupBurst => "signup_burst",
            SignalKind::DisposableEmail => "disposable_email",
            SignalKind::ListedNetwork => "listed_network",
            SignalKind::NewDevice => "new_device",
            SignalKind::NewCountry => "new_country",
            SignalKind::ImpossibleTravel => "impossible_travel",
            SignalKind::HostingNetwork => "hosting_network",
            SignalKind::ChallengeFailed => "challenge_failed",
            SignalKind::Custom(name) => name,
        }
    }

    /// Whether this signal marks its IP as attacking, so that a later success from that IP
    /// counts as a likely takeover. Listed networks (Tor exits, VPNs) do not: ordinary users
    /// log in from them and must not all be called taken over.
    pub fn flags_ip(&self) -> bool {
        matches!(
            self,
            SignalKind::BruteForce
                | SignalKind::CredentialStuffing
                | SignalKind::AccountEnumeration
                | SignalKind::LikelyTakeover
                | SignalKind::SignupBurst
        )
    }

    /// Whether `name` is a built-in signal or a well-formed `custom:<name>`.
    pub fn is_known_name(name: &str) -> bool {
        SignalKind::BUILTIN.iter().any(|k| k.name() == name)
            || name.strip_prefix("custom:").is_some_and(|c| !c.is_empty())
    }

    /// Matches a name as written in playbook triggers (`brute_force`, `custom:checkout`).
    pub fn matches(&self, name: &str) -> bool {
        match self {
            SignalKind::Custom(n) => name.strip_prefix("custom:") == Some(n),
            other => other.name() == name,
        }
    }
}

impl fmt::Display for SignalKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignalKind::Custom(name) => write!(f, "custom:{name}"),
            other => f.write_str(other.name()),
        }
    }
}

impl Serialize for SignalKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A detector fired.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Signal {
    pub kind: SignalKind,
    #[serde(
        with = "crate::keys::opt_user",
        skip_serializing_if = "Option::is_none"
    )]
    pub user: Option<u128>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<IpAddr>,
    /// Risk points this signal adds to its user and to its IP.
    pub points: f64,
    pub ts_ms: i64,
}
