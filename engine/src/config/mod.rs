//! Engine configuration: detector thresholds, risk, limits and playbooks. Read from the
//! `[engine]` table of a TOML file; every field has the default documented in the README.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::duration::DurationMs;
use crate::geo::GeoConfig;
use crate::playbook::{default_playbooks, PlaybookConfig};
use crate::EngineError;

mod places;

pub use places::{
    ChallengeConfig, HostingNetworkConfig, ImpossibleTravelConfig, KnownConfig, LockoutConfig,
    NewCountryConfig, NewDeviceConfig,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EngineConfig {
    pub risk: RiskConfig,
    pub limits: LimitsConfig,
    pub brute_force: BruteForceConfig,
    pub credential_stuffing: CredentialStuffingConfig,
    pub distributed_brute_force: DistributedBruteForceConfig,
    pub account_enumeration: AccountEnumerationConfig,
    pub likely_takeover: LikelyTakeoverConfig,
    pub signup_burst: SignupBurstConfig,
    pub disposable_email: DisposableEmailConfig,
    pub listed_network: ListedNetworkConfig,
    pub new_device: NewDeviceConfig,
    pub new_country: NewCountryConfig,
    pub impossible_travel: ImpossibleTravelConfig,
    pub hosting_network: HostingNetworkConfig,
    pub challenge: ChallengeConfig,
    pub lockout: LockoutConfig,
    pub known: KnownConfig,
    pub geo: GeoConfig,
    /// Custom event name -> risk points; events not listed here are ignored.
    pub custom: BTreeMap<String, f64>,
    pub escalation: EscalationConfig,
    pub lists: ListsConfig,
    /// Keep the built-in playbooks that `playbooks` does not redefine by name.
    pub default_playbooks: bool,
    pub playbooks: Vec<PlaybookConfig>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RiskConfig {
    pub half_life: DurationMs,
    pub max: f64,
    /// Risk points kept per user for `risk_history` and `risk_increase` triggers.
    pub history_len: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    pub max_users: usize,
    pub max_ips: usize,
    pub max_cooldowns: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BruteForceConfig {
    pub enabled: bool,
    pub failures: u32,
    pub window: DurationMs,
    pub points: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CredentialStuffingConfig {
    pub enabled: bool,
    pub failures: u32,
    pub distinct_users: u32,
    pub window: DurationMs,
    pub points: f64,
    /// Successful logins per failure, within the window, at which an IP is a shared network
    /// (an office NAT, a carrier's CGNAT) rather than a stuffing run: 300 colleagues' typos
    /// come with 300 successes; a stuffing list succeeds for a few per cent. 0 turns it off.
    pub shared_network_successes: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DistributedBruteForceConfig {
    pub enabled: bool,
    pub failures: u32,
    pub distinct_ips: u32,
    pub window: DurationMs,
    pub points: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccountEnumerationConfig {
    pub enabled: bool,
    pub failures: u32,
    pub window: DurationMs,
    pub points: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LikelyTakeoverConfig {
    pub enabled: bool,
    /// Failures by the same IP on the same user before the success.
    pub failures: u32,
    /// How far back those failures, or the IP's flagging, may be.
    pub window: DurationMs,
    pub points: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SignupBurstConfig {
    pub enabled: bool,
    pub signups: u32,
    pub window: DurationMs,
    pub points: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DisposableEmailConfig {
    pub enabled: bool,
    pub points: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ListedNetworkConfig {
    pub enabled: bool,
    pub points: f64,
    /// One signal per user (or per IP when there is no user) per this period.
    pub window: DurationMs,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EscalationConfig {
    /// Longest IP block; each new block of the same IP lasts twice the last, up to this.
    pub max_block: DurationMs,
    /// An IP not blocked for this long starts again from its playbook's base duration.
    pub reset_after: DurationMs,
}

/// List files read by `NetworkLists::load` (the engine itself does no I/O).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ListsConfig {
    /// Use the disposable domain list shipped in the crate.
    pub builtin_disposable_domains: bool,
    pub disposable_domain_files: Vec<PathBuf>,
    /// IPs and CIDRs, one per line (e.g. Tor exit nodes).
    pub network_files: Vec<PathBuf>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            risk: RiskConfig::default(),
            limits: LimitsConfig::default(),
            brute_force: BruteForceConfig::default(),
            credential_stuffing: CredentialStuffingConfig::default(),
            distributed_brute_force: DistributedBruteForceConfig::default(),
            account_enumeration: AccountEnumerationConfig::default(),
            likely_takeover: LikelyTakeoverConfig::default(),
            signup_burst: SignupBurstConfig::default(),
            disposable_email: DisposableEmailConfig::default(),
            listed_network: ListedNetworkConfig::default(),
            new_device: NewDeviceConfig::default(),
            new_country: NewCountryConfig::default(),
            impossible_travel: ImpossibleTravelConfig::default(),
            hosting_network: HostingNetworkConfig::default(),
            challenge: ChallengeConfig::default(),
            lockout: LockoutConfig::default(),
            known: KnownConfig::default(),
            geo: GeoConfig::default(),
            custom: BTreeMap::new(),
            escalation: EscalationConfig::default(),
            lists: ListsConfig::default(),
            default_playbooks: true,
            playbooks: default_playbooks(),
        }
    }
}

impl Default for RiskConfig {
    fn default() -> Self {
        RiskConfig {
            half_life: DurationMs::from_days(7),
            max: 100.0,
            history_len: 32,
        }
    }
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            max_users: 1_000_000,
            max_ips: 1_000_000,
            max_cooldowns: 262_144,
        }
    }
}

impl Default for BruteForceConfig {
    fn default() -> Self {
        BruteForceConfig {
            enabled: true,
            failures: 10,
            window: DurationMs::from_mins(10),
            points: 20.0,
        }
    }
}

impl Default for CredentialStuffingConfig {
    fn default() -> Self {
        CredentialStuffingConfig {
            enabled: true,
            failures: 20,
            distinct_users: 5,
            window: DurationMs::from_mins(10),
            points: 30.0,
            shared_network_successes: 1.0,
        }
    }
}

impl Default for DistributedBruteForceConfig {
    fn default() -> Self {
        DistributedBruteForceConfig {
            enabled: true,
            failures: 40,
            distinct_ips: 5,
            window: DurationMs::from_hours(1),
            points: 30.0,
        }
    }
}

impl Default for AccountEnumerationConfig {
    fn default() -> Self {
        AccountEnumerationConfig {
            enabled: true,
            failures: 10,
            window: DurationMs::from_mins(10),
            points: 20.0,
        }
    }
}

impl Default for LikelyTakeoverConfig {
    fn default() -> Self {
        LikelyTakeoverConfig {
            enabled: true,
            failures: 3,
            window: DurationMs::from_hours(1),
            points: 50.0,
        }
    }
}

impl Default for SignupBurstConfig {
    fn default() -> Self {
        SignupBurstConfig {
            enabled: true,
            signups: 10,
            window: DurationMs::from_hours(1),
            points: 20.0,
        }
    }
}

impl Default for DisposableEmailConfig {
    fn default() -> Self {
        DisposableEmailConfig {
            enabled: true,
            points: 10.0,
        }
    }
}

impl Default for ListedNetworkConfig {
    fn default() -> Self {
        ListedNetworkConfig {
            enabled: true,
            points: 15.0,
            window: DurationMs::from_hours(1),
        }
    }
}

impl Default for EscalationConfig {
    fn default() -> Self {
        EscalationConfig {
            max_block: DurationMs::from_days(1),
            reset_after: DurationMs::from_days(7),
        }
    }
}

impl Default for ListsConfig {
    fn default() -> Self {
        ListsConfig {
            builtin_disposable_domains: true,
            disposable_domain_files: Vec::new(),
            network_files: Vec::new(),
        }
    }
}

/// A config file may hold other sections (the server's, the SDK's); only `[engine]` is ours.
#[derive(Deserialize)]
struct File {
    #[serde(default)]
    engine: Option<EngineConfig>,
}

impl EngineConfig {
    /// Reads the `[engine]` table of a TOML document (other tables are ignored); a document
    /// without one gives the defaults. Playbooks under `[[engine.playbooks]]` replace built-in
    /// playbooks of the same name and add to the others unless `default_playbooks = false`.
    pub fn from_toml_str(text: &str) -> Result<Self, EngineError> {
        let file: File = toml::from_str(text).map_err(|e| EngineError::Config(e.to_string()))?;
        let mut cfg = file.engine.unwrap_or_default();
        cfg.resolve_playbooks();
        cfg.validate()?;
        Ok(cfg)
    }

    pub fn from_toml_file(path: &std::path::Path) -> Result<Self, EngineError> {
        let text = std::fs::read_to_string(path).map_err(|e| EngineError::io(path, e))?;
        Self::from_toml_str(&text)
    }

    /// The document `from_toml_str` reads back to an equal configuration.
    pub fn to_toml_string(&self) -> String {
        #[derive(Serialize)]
        struct Out<'a> {
            engine: &'a EngineConfig,
        }
        toml::to_string(&Out { engine: self }).expect("engine config always serializes")
    }

    /// Merges the built-in playbooks (when `default_playbooks`) under the configured ones.
    /// Idempotent, so a resolved configuration resolves to itself.
    pub fn resolve_playbooks(&mut self) {
        if !self.default_playbooks {
            return;
        }
        let mut merged = Vec::new();
        for builtin in default_playbooks() {
            if !self.playbooks.iter().any(|p| p.name == builtin.name) {
                merged.push(builtin);
            }
        }
        merged.append(&mut self.playbooks);
        self.playbooks = merged;
    }

    pub fn validate(&self) -> Result<(), EngineError> {
        let bad = |m: String| Err(EngineError::Config(m));
        if self.risk.half_life.ms() <= 0 {
            return bad("risk.half_life must be positive".into());
        }
        if self.risk.max.is_nan() || self.risk.max <= 0.0 {
            return bad("risk.max must be positive".into());
        }
        if self.limits.max_users == 0 || self.limits.max_ips == 0 || self.limits.max_cooldowns == 0
        {
            return bad("limits must be at least 1".into());
        }
        let windows = [
            ("brute_force", self.brute_force.window),
            ("credential_stuffing", self.credential_stuffing.window),
            (
                "distributed_brute_force",
                self.distributed_brute_force.window,
            ),
            ("account_enumeration", self.account_enumeration.window),
            ("likely_takeover", self.likely_takeover.window),
            ("signup_burst", self.signup_burst.window),
            ("hosting_network", self.hosting_network.window),
        ];
        for (name, w) in windows {
            // Windows hold u32 millisecond offsets; keep well inside that.
            if w.ms() <= 0 || w.ms() > DurationMs::from_days(30).ms() {
                return bad(format!("{name}.window must be between 1ms and 30d"));
            }
        }
        let t = &self.impossible_travel;
        if !(t.max_speed_kmh > 0.0 && t.min_distance_km >= 0.0) {
            return bad(
                "impossible_travel: max_speed_kmh must be positive and min_distance_km at least 0"
                    .into(),
            );
        }
        let k = &self.known;
        if [k.max_devices, k.max_countries, k.max_networks]
            .iter()
            .any(|&n| n == 0 || n > 64)
        {
            return bad("known: limits must be between 1 and 64".into());
        }
        for n in &self.lockout.signals {
            if !crate::signal::SignalKind::is_known_name(n) {
                return bad(format!("lockout.signals: unknown signal {n:?}"));
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for p in &self.playbooks {
            if !seen.insert(p.name.as_str()) {
                return bad(format!("playbook {:?} defined twice", p.name));
            }
            p.validate()?;
        }
        Ok(())
    }
}
