//! The kinds of event, their names on the wire (an event's `type`) and the rules for the names
//! of custom events.

use crate::error::{Error, Result};
use crate::identity::Identity;
use crate::limits::MAX_EVENT_NAME_BYTES;

pub const SIGNUP: &str = "signup";
pub const AUTH_SUCCESS: &str = "auth.success";
pub const AUTH_FAILURE: &str = "auth.failure";
pub const CUSTOM: &str = "custom";
pub const IDENTIFY_SEEN: &str = "identify.seen";
pub const ALIAS: &str = "alias";
pub const CHALLENGE: &str = "challenge";
/// Every `type` a v1 event may have.
pub const WIRE_NAMES: [&str; 7] = [
    SIGNUP,
    AUTH_SUCCESS,
    AUTH_FAILURE,
    CUSTOM,
    IDENTIFY_SEEN,
    ALIAS,
    CHALLENGE,
];

/// Event names with this prefix are reserved for Vigil's own events.
pub const RESERVED_PREFIX: &str = "vigil.";

/// What happened. `P` is how an alias holds the user's former identity: SDKs send all of it
/// (the default), while the engine, which only carries risk over, holds its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind<P = Box<Identity>> {
    Signup,
    AuthSuccess,
    /// `exists` says whether the account exists, when the app knows (enumeration detection).
    AuthFailure {
        exists: Option<bool>,
    },
    Custom {
        name: String,
    },
    /// A request was identified as this user (at most one per user, IP and minute).
    IdentifySeen,
    /// The user's identifiers changed from `previous` to the event's user (risk carries over).
    Alias {
        previous: P,
    },
    /// The app asked the user to prove who they are (MFA, captcha, e-mail code), and how it went.
    Challenge {
        result: ChallengeResult,
    },
}

/// How a challenge went, as the app reports it (`challenge_track`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChallengeResult {
    Requested,
    Succeeded,
    Failed,
}

impl ChallengeResult {
    pub const ALL: [ChallengeResult; 3] = [
        ChallengeResult::Requested,
        ChallengeResult::Succeeded,
        ChallengeResult::Failed,
    ];

    /// The spelling of the event's `result` field.
    pub fn as_str(self) -> &'static str {
        match self {
            ChallengeResult::Requested => "requested",
            ChallengeResult::Succeeded => "succeeded",
            ChallengeResult::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Result<ChallengeResult> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == text)
            .ok_or_else(|| Error::InvalidChallengeResult {
                text: text.chars().take(32).collect(),
            })
    }
}

impl<P> EventKind<P> {
    /// The wire name of the event type.
    pub fn wire_name(&self) -> &'static str {
        match self {
            EventKind::Signup => SIGNUP,
            EventKind::AuthSuccess => AUTH_SUCCESS,
            EventKind::AuthFailure { .. } => AUTH_FAILURE,
            EventKind::Custom { .. } => CUSTOM,
            EventKind::IdentifySeen => IDENTIFY_SEEN,
            EventKind::Alias { .. } => ALIAS,
            EventKind::Challenge { .. } => CHALLENGE,
        }
    }

    /// A custom event, with its name validated.
    pub fn custom(name: &str) -> Result<Self> {
        check_event_name(name)?;
        Ok(EventKind::Custom {
            name: name.to_owned(),
        })
    }

    /// The kind of an event whose `type` is `wire_name`, taking only the fields that kind has
    /// (a stored event keeps them beside its type). `None` for an unknown type, a custom event
    /// without a name, an alias without its former identity or a challenge without its result.
    /// A challenge's result is stored where a custom event's name is: `name` gives it.
    pub fn from_wire(
        wire_name: &str,
        exists: Option<bool>,
        name: impl FnOnce() -> Option<String>,
        previous: impl FnOnce() -> Option<P>,
    ) -> Option<Self> {
        Some(match wire_name {
            SIGNUP => EventKind::Signup,
            AUTH_SUCCESS => EventKind::AuthSuccess,
            AUTH_FAILURE => EventKind::AuthFailure { exists },
            CUSTOM => EventKind::Custom { name: name()? },
            IDENTIFY_SEEN => EventKind::IdentifySeen,
            ALIAS => EventKind::Alias {
                previous: previous()?,
            },
            CHALLENGE => EventKind::Challenge {
                result: ChallengeResult::parse(&name()?).ok()?,
            },
            _ => return None,
        })
    }

    /// The same kind with an alias's former identity in another form (e.g. only its key).
    pub fn map_previous<Q>(&self, f: impl FnOnce(&P) -> Q) -> EventKind<Q> {
        match self {
            EventKind::Signup => EventKind::Signup,
            EventKind::AuthSuccess => EventKind::AuthSuccess,
            EventKind::AuthFailure { exists } => EventKind::AuthFailure { exists: *exists },
            EventKind::Custom { name } => EventKind::Custom { name: name.clone() },
            EventKind::IdentifySeen => EventKind::IdentifySeen,
            EventKind::Alias { previous } => EventKind::Alias {
                previous: f(previous),
            },
            EventKind::Challenge { result } => EventKind::Challenge { result: *result },
        }
    }
}

/// The static spelling of a wire name, or `None` if `text` names no event type.
pub fn wire_name_of(text: &str) -> Option<&'static str> {
    WIRE_NAMES.into_iter().find(|n| *n == text)
}

/// Checks the name of a custom event.
pub fn check_event_name(name: &str) -> Result<()> {
    if name.is_empty() || name.len() > MAX_EVENT_NAME_BYTES {
        return Err(Error::EventNameLength { len: name.len() });
    }
    if name.starts_with(RESERVED_PREFIX) {
        return Err(Error::ReservedEventName {
            name: name.to_owned(),
        });
    }
    if name.chars().any(char::is_control) {
        return Err(Error::EventNameControlCharacter);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    type Kind = EventKind<u128>;

    #[test]
    fn custom_names_are_checked() {
        assert!(Kind::custom("order.paid").is_ok());
        assert_eq!(Kind::custom("").unwrap_err().code(), "event_name_length");
        assert_eq!(
            Kind::custom(&"x".repeat(129)).unwrap_err().code(),
            "event_name_length"
        );
        assert!(Kind::custom(&"x".repeat(128)).is_ok());
        assert_eq!(
            Kind::custom("vigil.auth").unwrap_err().code(),
            "reserved_event_name"
        );
    }

    #[test]
    fn every_kind_is_read_back_from_its_wire_name() {
        let kinds: [Kind; 7] = [
            EventKind::Signup,
            EventKind::AuthSuccess,
            EventKind::AuthFailure {
                exists: Some(false),
            },
            EventKind::Custom { name: "x".into() },
            EventKind::IdentifySeen,
            EventKind::Alias { previous: 7 },
            EventKind::Challenge {
                result: ChallengeResult::Failed,
            },
        ];
        for kind in kinds {
            let name = kind.wire_name();
            assert_eq!(wire_name_of(name), Some(name));
            let field = if name == CHALLENGE { "failed" } else { "x" };
            let back = EventKind::from_wire(name, Some(false), || Some(field.into()), || Some(7));
            assert_eq!(back, Some(kind));
        }
        assert_eq!(wire_name_of("login"), None);
        assert_eq!(Kind::from_wire(ALIAS, None, || None, || None), None);
        assert_eq!(
            Kind::from_wire(CHALLENGE, None, || Some("maybe".into()), || None),
            None
        );
        assert_eq!(
            ChallengeResult::parse("passed").unwrap_err().code(),
            "invalid_challenge_result"
        );
    }
}
