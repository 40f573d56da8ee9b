//! What comes out of the engine. Every effect serializes to JSON for the server's store.

use std::net::IpAddr;
use std::sync::Arc;

use serde::Serialize;
use vigil_protocol::DeviceId;

use crate::geo::Country;
use crate::signal::{Signal, SignalKind};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Effect {
    Signal(Signal),
    RiskChanged(RiskChange),
    Playbook(PlaybookAction),
    /// The user passed a challenge: the host ends the user's challenge decisions.
    ChallengePassed(ChallengePassed),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChallengePassed {
    #[serde(with = "crate::keys::user")]
    pub user: u128,
    /// The device now trusted, when the request had one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<DeviceId>,
    pub ts_ms: i64,
}

/// Whose risk changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    User(#[serde(with = "crate::keys::user")] u128),
    Ip(IpAddr),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskChange {
    pub subject: Subject,
    pub before: f64,
    pub after: f64,
    pub ts_ms: i64,
    /// The signal that caused it; `None` when an alias carried risk over.
    pub signal: Option<SignalKind>,
}

/// One action of a playbook that fired.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlaybookAction {
    pub playbook: Arc<str>,
    pub trigger: TriggerFired,
    pub action: Action,
    #[serde(
        with = "crate::keys::opt_user",
        skip_serializing_if = "Option::is_none"
    )]
    pub user: Option<u128>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<IpAddr>,
    pub ts_ms: i64,
    /// Human-readable explanation for logs, incidents and notifications.
    pub reason: String,
    /// The playbook runs in shadow mode: record what it would have done, enforce nothing.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub shadow: bool,
}

/// What made a playbook fire.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TriggerFired {
    RiskIncrease { increase: f64, window_ms: i64 },
    RiskAbove { score: f64 },
    Signal { name: SignalKind },
}

/// A decision or notification for the host to carry out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    Log,
    Incident,
    Notify {
        targets: Vec<String>,
    },
    BlockUser {
        #[serde(with = "crate::keys::user")]
        user: u128,
        duration_ms: i64,
        /// Devices the block does not apply on (see `[engine.lockout]`).
        #[serde(skip_serializing_if = "Vec::is_empty")]
        except_devices: Vec<DeviceId>,
    },
    BlockIp {
        ip: IpAddr,
        duration_ms: i64,
    },
    /// Ask this user to prove who they are (the SDK's `assess` answers `challenge`).
    ChallengeUser {
        #[serde(with = "crate::keys::user")]
        user: u128,
        duration_ms: i64,
    },
    ChallengeIp {
        ip: IpAddr,
        duration_ms: i64,
    },
    /// Tell the user (by e-mail) about a login from a new device or country.
    NotifyUser {
        #[serde(with = "crate::keys::user")]
        user: u128,
        #[serde(skip_serializing_if = "Option::is_none")]
        device: Option<DeviceId>,
        #[serde(skip_serializing_if = "Option::is_none")]
        country: Option<Country>,
    },
}

impl Action {
    /// The action's name as playbooks spell it (`block_user`).
    pub fn name(&self) -> &'static str {
        match self {
            Action::Log => "log",
            Action::Incident => "incident",
            Action::Notify { .. } => "notify",
            Action::BlockUser { .. } => "block_user",
            Action::BlockIp { .. } => "block_ip",
            Action::ChallengeUser { .. } => "challenge_user",
            Action::ChallengeIp { .. } => "challenge_ip",
            Action::NotifyUser { .. } => "notify_user",
        }
    }
}
