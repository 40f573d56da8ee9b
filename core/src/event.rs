//! Events the SDKs record, validated at the call site so a bad call fails loudly and nothing
//! invalid ever reaches the queue.

use std::net::IpAddr;

use crate::error::{Error, Result};
use crate::identity::Identity;

pub const MAX_EVENT_NAME_BYTES: usize = 128;
pub const MAX_PROPERTIES: usize = 16;
pub const MAX_PROPERTY_KEY_BYTES: usize = 128;
pub const MAX_PROPERTY_VALUE_BYTES: usize = 4096;
pub const MAX_REQUEST_FIELD_BYTES: usize = 2048;
/// Event names with this prefix are reserved for Vigil's own events.
pub const RESERVED_PREFIX: &str = "vigil.";

#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
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
        previous: Box<Identity>,
    },
}

impl EventKind {
    /// The wire name of the event type.
    pub fn wire_name(&self) -> &'static str {
        match self {
            EventKind::Signup => "signup",
            EventKind::AuthSuccess => "auth.success",
            EventKind::AuthFailure { .. } => "auth.failure",
            EventKind::Custom { .. } => "custom",
            EventKind::IdentifySeen => "identify.seen",
            EventKind::Alias { .. } => "alias",
        }
    }

    /// A custom event, with its name validated.
    pub fn custom(name: &str) -> Result<EventKind> {
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
        Ok(EventKind::Custom {
            name: name.to_owned(),
        })
    }
}

/// Where the call happened, when a middleware knows the current request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestContext {
    /// The client IP after the trusted-proxy rules.
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
    pub method: Option<String>,
    pub path: Option<String>,
}

impl RequestContext {
    /// Builds a context from raw strings, rejecting an unparsable IP and truncating long fields
    /// (a user agent is attacker-controlled; it must not make the event invalid).
    pub fn from_parts(
        ip: Option<&str>,
        user_agent: Option<&str>,
        method: Option<&str>,
        path: Option<&str>,
    ) -> Result<RequestContext> {
        let ip = match ip.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Some(parse_ip(s)?),
            None => None,
        };
        Ok(RequestContext {
            ip,
            user_agent: user_agent.map(clean_field),
            method: method.map(clean_field),
            path: path.map(clean_field),
        })
    }

    pub fn is_empty(&self) -> bool {
        self.ip.is_none()
            && self.user_agent.is_none()
            && self.method.is_none()
            && self.path.is_none()
    }
}

/// Parses an IP address, accepting IPv4-mapped IPv6 as the IPv4 address it carries.
pub fn parse_ip(s: &str) -> Result<IpAddr> {
    let ip: IpAddr = s.parse().map_err(|_| Error::InvalidIp {
        value: s.chars().take(64).collect(),
    })?;
    Ok(ip.to_canonical())
}

fn clean_field(s: &str) -> String {
    let mut end = s.len().min(MAX_REQUEST_FIELD_BYTES);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].chars().filter(|c| !c.is_control()).collect()
}

#[derive(Debug, Clone, PartialEq)]
pub enum PropertyValue {
    Str(String),
    Num(f64),
    Bool(bool),
}

/// Up to 16 validated properties of a custom event.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Properties(Vec<(String, PropertyValue)>);

impl Properties {
    pub fn new() -> Properties {
        Properties(Vec::new())
    }

    pub fn insert(&mut self, key: &str, value: PropertyValue) -> Result<()> {
        let invalid = |reason| Error::InvalidProperty {
            key: key.chars().take(64).collect(),
            reason,
        };
        if key.is_empty() || key.len() > MAX_PROPERTY_KEY_BYTES {
            return Err(invalid("key must be 1 to 128 bytes long"));
        }
        if key.chars().any(char::is_control) {
            return Err(invalid("key contains a control character"));
        }
        match &value {
            PropertyValue::Str(s) if s.len() > MAX_PROPERTY_VALUE_BYTES => {
                return Err(invalid("string value is longer than 4096 bytes"))
            }
            PropertyValue::Num(n) if !n.is_finite() => return Err(invalid("number is not finite")),
            _ => {}
        }
        if let Some(slot) = self.0.iter_mut().find(|(k, _)| k == key) {
            slot.1 = value;
            return Ok(());
        }
        if self.0.len() == MAX_PROPERTIES {
            return Err(Error::TooManyProperties {
                count: MAX_PROPERTIES + 1,
                max: MAX_PROPERTIES,
            });
        }
        self.0.push((key.to_owned(), value));
        Ok(())
    }

    pub fn iter(&self) -> impl Iterator<Item = &(String, PropertyValue)> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One recorded event, ready to queue.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Stamped by the worker when the event joins a batch (off the request path), then kept
    /// through retries so the server can deduplicate.
    pub id: Option<uuid::Uuid>,
    /// Unix time in milliseconds.
    pub ts_ms: i64,
    pub kind: EventKind,
    pub user: Option<Identity>,
    pub request: Option<RequestContext>,
    pub properties: Properties,
}

/// Earliest and latest caller timestamps accepted (2000-01-01 and 9999-12-31).
const MIN_TS_MS: i64 = 946_684_800_000;
const MAX_TS_MS: i64 = 253_402_300_799_000;

/// Checks a caller-supplied timestamp.
pub fn check_timestamp(ts_ms: i64) -> Result<i64> {
    if ts_ms < MIN_TS_MS {
        return Err(Error::InvalidTimestamp {
            reason: "before 2000-01-01",
        });
    }
    if ts_ms > MAX_TS_MS {
        return Err(Error::InvalidTimestamp {
            reason: "after 9999-12-31",
        });
    }
    Ok(ts_ms)
}

/// A UUIDv7 for an event at `ts_ms`: time-ordered, so the server's index stays append-mostly.
pub fn new_event_id(ts_ms: i64) -> uuid::Uuid {
    let random: [u8; 10] = rand::random();
    uuid::Builder::from_unix_timestamp_millis(ts_ms.max(0) as u64, &random).into_uuid()
}

pub use crate::clock::now_ms;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_names_are_checked() {
        assert!(EventKind::custom("order.paid").is_ok());
        assert_eq!(
            EventKind::custom("").unwrap_err().code(),
            "event_name_length"
        );
        assert_eq!(
            EventKind::custom(&"x".repeat(129)).unwrap_err().code(),
            "event_name_length"
        );
        assert!(EventKind::custom(&"x".repeat(128)).is_ok());
        assert_eq!(
            EventKind::custom("vigil.auth").unwrap_err().code(),
            "reserved_event_name"
        );
    }

    #[test]
    fn properties_are_capped_at_16() {
        let mut p = Properties::new();
        for i in 0..16 {
            p.insert(&format!("k{i}"), PropertyValue::Num(i as f64))
                .unwrap();
        }
        p.insert("k3", PropertyValue::Bool(true)).unwrap();
        assert_eq!(
            p.insert("k16", PropertyValue::Bool(true))
                .unwrap_err()
                .code(),
            "too_many_properties"
        );
        assert_eq!(
            p.insert("n", PropertyValue::Num(f64::NAN))
                .unwrap_err()
                .code(),
            "invalid_property"
        );
    }

    #[test]
    fn request_context_parses_ips() {
        let ctx =
            RequestContext::from_parts(Some("::ffff:10.0.0.1"), Some("ua\n"), None, None).unwrap();
        assert_eq!(ctx.ip, Some("10.0.0.1".parse().unwrap()));
        assert_eq!(ctx.user_agent.as_deref(), Some("ua"));
        assert_eq!(
            RequestContext::from_parts(Some("nope"), None, None, None)
                .unwrap_err()
                .code(),
            "invalid_ip"
        );
    }

    #[test]
    fn timestamps_are_bounded() {
        assert!(check_timestamp(1_700_000_000_000).is_ok());
        assert!(check_timestamp(0).is_err());
        let id = new_event_id(1_700_000_000_000);
        assert_eq!(id.get_version_num(), 7);
    }
}
