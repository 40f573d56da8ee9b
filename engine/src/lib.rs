//! Vigil's risk engine: detectors, per-user and per-IP risk, and playbooks.
//!
//! Pure and deterministic: [`Engine::process`] takes [`Event`]s carrying their own time and
//! appends [`Effect`]s; the same input always gives the same output. The same code runs in
//! the server, in the SDK's local mode, and in trace replays ([`trace`]).

mod config;
mod detectors;
mod duration;
mod effect;
mod engine;
mod error;
mod event;
pub mod geo;
pub mod keys;
mod lists;
mod playbook;
mod risk;
mod signal;
mod state;
pub mod trace;
mod window;

pub use config::{
    AccountEnumerationConfig, BruteForceConfig, CredentialStuffingConfig, DisposableEmailConfig,
    DistributedBruteForceConfig, EngineConfig, EscalationConfig, LikelyTakeoverConfig,
    LimitsConfig, ListedNetworkConfig, ListsConfig, RiskConfig, SignupBurstConfig,
};
pub use duration::DurationMs;
pub use effect::{Action, Effect, PlaybookAction, RiskChange, Subject, TriggerFired};
pub use engine::{Engine, EngineStats};
pub use error::EngineError;
pub use event::Event;
pub use geo::{Country, Geo, GeoConfig, LatLon, Place};
pub use lists::{NetworkLists, BUILTIN_DISPOSABLE_DOMAINS};
pub use playbook::{default_playbooks, ActionSpec, PlaybookConfig, Trigger};
pub use risk::RiskPoint;
pub use signal::{Signal, SignalKind};
