//! The events both benchmarks send, built as an SDK builds them: logins.

use vigil_protocol::wire::SdkInfo;
use vigil_protocol::Identity;
use vigil_protocol::{new_event_id, Event, EventKind, Properties, RequestContext};

/// The SDK a benchmark's batches say they come from.
pub fn sdk(name: &str, instance: &str) -> SdkInfo {
    SdkInfo {
        name: name.into(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        instance: instance.into(),
        lang: "rust".into(),
    }
}

/// A login at `ts` by `user` from `ip`: it succeeded, or it failed (`Some(exists)`: whether
/// the account exists).
pub fn login(ts: i64, failed: Option<bool>, user: &Identity, ip: &str, user_agent: &str) -> Event {
    Event {
        id: Some(new_event_id(ts)),
        ts_ms: ts,
        kind: match failed {
            Some(exists) => EventKind::AuthFailure {
                exists: Some(exists),
            },
            None => EventKind::AuthSuccess,
        },
        user: Some(user.clone()),
        request: RequestContext::from_parts(
            Some(ip),
            Some(user_agent),
            Some("POST"),
            Some("/login"),
        )
        .ok(),
        properties: Properties::new(),
    }
}
