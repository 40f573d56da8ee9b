//! Batch and event encoding: the JSON of `POST /v1/batch` (docs/protocol.md), written straight
//! from the SDK's own types so an event costs no intermediate copy.

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use crate::event::Event;
use crate::event_kind::EventKind;
use crate::identity::Identity;
use crate::properties::{Properties, PropertyValue};
use crate::request::RequestContext;
use crate::timestamp::format_ts;

/// Who is sending: the `sdk` object of every batch.
#[derive(Debug, Clone, Serialize)]
pub struct SdkInfo {
    pub name: String,
    pub version: String,
    pub instance: String,
    pub lang: String,
}

/// Appends the JSON of a batch (`{"sdk": ..., "events": [...]}`) to `out`.
pub fn encode_batch<'a>(
    sdk: &SdkInfo,
    events: impl IntoIterator<Item = &'a Event>,
    out: &mut Vec<u8>,
) {
    out.extend_from_slice(b"{\"sdk\":");
    serde_json::to_writer(&mut *out, sdk).expect("writing JSON to a Vec cannot fail");
    out.extend_from_slice(b",\"events\":[");
    for (i, event) in events.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        encode_event(event, out);
    }
    out.extend_from_slice(b"]}");
}

/// Appends one event's JSON to `out`.
pub fn encode_event(event: &Event, out: &mut Vec<u8>) {
    serde_json::to_writer(&mut *out, &WireEvent(event)).expect("writing JSON to a Vec cannot fail");
}

struct WireEvent<'a>(&'a Event);

struct WireUser<'a>(&'a Identity);

struct WireIds<'a>(&'a Identity);

struct WireRequest<'a>(&'a RequestContext);

struct WireProperties<'a>(&'a Properties);

impl Serialize for WireEvent<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let e = self.0;
        let mut m = s.serialize_map(None)?;
        if let Some(id) = &e.id {
            m.serialize_entry("id", id)?;
        }
        m.serialize_entry("type", e.kind.wire_name())?;
        m.serialize_entry("ts", &format_ts(e.ts_ms))?;
        if let Some(user) = &e.user {
            m.serialize_entry("user", &WireUser(user))?;
        }
        if let Some(req) = e.request.as_ref().filter(|r| !r.is_empty()) {
            m.serialize_entry("request", &WireRequest(req))?;
        }
        match &e.kind {
            EventKind::AuthFailure { exists: Some(x) } => m.serialize_entry("exists", x)?,
            EventKind::Custom { name } => m.serialize_entry("name", name)?,
            EventKind::Alias { previous } => m.serialize_entry("previous", &WireUser(previous))?,
            EventKind::Challenge { result } => m.serialize_entry("result", result.as_str())?,
            _ => {}
        }
        if !e.properties.is_empty() {
            m.serialize_entry("properties", &WireProperties(&e.properties))?;
        }
        m.end()
    }
}

impl Serialize for WireUser<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("ids", &WireIds(self.0))?;
        m.serialize_entry("key", &self.0.key())?;
        m.serialize_entry("primary", self.0.primary_key())?;
        m.end()
    }
}

impl Serialize for WireIds<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let pairs = self.0.pairs();
        let mut m = s.serialize_map(Some(pairs.len()))?;
        for (k, v) in pairs {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl Serialize for WireRequest<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        let mut m = s.serialize_map(None)?;
        if let Some(ip) = &r.ip {
            m.serialize_entry("ip", ip)?;
        }
        if let Some(v) = &r.user_agent {
            m.serialize_entry("user_agent", v)?;
        }
        if let Some(v) = &r.method {
            m.serialize_entry("method", v)?;
        }
        if let Some(v) = &r.path {
            m.serialize_entry("path", v)?;
        }
        if let Some(d) = &r.device {
            m.serialize_entry("device", &format_args!("{d}"))?;
        }
        m.end()
    }
}

impl Serialize for WireProperties<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0.iter() {
            match v {
                PropertyValue::Str(x) => m.serialize_entry(k, x)?,
                PropertyValue::Num(x) => m.serialize_entry(k, x)?,
                PropertyValue::Bool(x) => m.serialize_entry(k, x)?,
            }
        }
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::new_event_id;

    #[test]
    fn encodes_the_documented_shape() {
        let user = Identity::new(&[("email", "Alice@Example.com")], None).unwrap();
        let mut props = Properties::new();
        props
            .insert("plan", PropertyValue::Str("pro".into()))
            .unwrap();
        let event = Event {
            id: Some(new_event_id(1_763_780_400_123)),
            ts_ms: 1_763_780_400_123,
            kind: EventKind::AuthFailure { exists: Some(true) },
            user: Some(user.clone()),
            request: Some(
                RequestContext::from_parts(
                    Some("203.0.113.7"),
                    Some("curl"),
                    Some("POST"),
                    Some("/login"),
                )
                .unwrap(),
            ),
            properties: props,
        };
        let sdk = SdkInfo {
            name: "vigil-rust".into(),
            version: "0.1.0".into(),
            instance: "i".into(),
            lang: "rust".into(),
        };
        let mut out = Vec::new();
        encode_batch(&sdk, [&event], &mut out);
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let e = &v["events"][0];
        assert_eq!(e["type"], "auth.failure");
        assert_eq!(e["ts"], "2025-11-22T03:00:00.123Z");
        assert_eq!(e["user"]["ids"]["email"], "alice@example.com");
        assert_eq!(e["user"]["key"], user.key().to_string());
        assert_eq!(e["user"]["primary"], "email");
        assert_eq!(e["request"]["ip"], "203.0.113.7");
        assert_eq!(e["exists"], true);
        assert_eq!(e["properties"]["plan"], "pro");
        assert_eq!(v["sdk"]["lang"], "rust");
    }
}
