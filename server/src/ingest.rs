//! Batch validation (docs/protocol.md): decompression limits, the event schema, identities
//! recomputed from their identifiers. All or nothing: the first invalid event rejects the batch.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::Read;
use std::net::IpAddr;

use serde::Deserialize;
use serde_json::value::RawValue;
use smallvec::SmallVec;
use vigil_protocol::event_kind::{
    check_event_name, wire_name_of, ChallengeResult, ALIAS, AUTH_FAILURE, CHALLENGE, CUSTOM, SIGNUP,
};
use vigil_protocol::limits::{
    MAX_BATCH_EVENTS, MAX_BODY_BYTES, MAX_KEY_BYTES, MAX_PAIRS, MAX_PROPERTIES,
    MAX_PROPERTY_KEY_BYTES, MAX_PROPERTY_VALUE_BYTES, MAX_REQUEST_FIELD_BYTES, MAX_VALUE_BYTES,
};
use vigil_protocol::{check_timestamp, parse_ip, parse_ts, DeviceId, Identity};

use crate::error::{Error, Result};
use crate::store::{EngineFields, NewEvent};

#[derive(Deserialize)]
struct BatchIn<'a> {
    #[serde(borrow)]
    events: Vec<&'a RawValue>,
}

/// One event as the SDK sent it. Unknown fields are accepted for forward compatibility.
/// Strings borrow from the body unless they hold escapes: a batch is thousands of them.
#[derive(Debug, Deserialize)]
struct EventIn<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    ts: Cow<'a, str>,
    #[serde(default, borrow)]
    user: Option<UserIn<'a>>,
    #[serde(default, borrow)]
    request: Option<RequestIn<'a>>,
    #[serde(default)]
    exists: Option<bool>,
    #[serde(default, borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    previous: Option<UserIn<'a>>,
    /// `challenge` only: requested, succeeded or failed.
    #[serde(default, borrow)]
    result: Option<Cow<'a, str>>,
    #[serde(default)]
    properties: Option<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Debug, Deserialize)]
struct UserIn<'a> {
    #[serde(borrow)]
    ids: BTreeMap<Cow<'a, str>, Cow<'a, str>>,
    #[serde(borrow)]
    key: Cow<'a, str>,
    #[serde(default, borrow)]
    primary: Option<Cow<'a, str>>,
}

#[derive(Debug, Deserialize)]
struct RequestIn<'a> {
    #[serde(default, borrow)]
    ip: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    user_agent: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    method: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    path: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    device: Option<Cow<'a, str>>,
}

thread_local! {
    /// Each request thread inflates into one reused buffer: a fresh multi-megabyte buffer per
    /// batch is fresh pages from the kernel, and zeroing them cost more than inflating.
    static INFLATED: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Inflates a gzip body, refusing to produce more than `MAX_BODY_BYTES` bytes (a small
/// compressed body can expand enormously), and hands the result to `then`.
pub fn gunzip<T>(body: &[u8], then: impl FnOnce(&[u8]) -> Result<T>) -> Result<T> {
    INFLATED.with_borrow_mut(|out| {
        out.clear();
        let mut dec = flate2::read::GzDecoder::new(body).take(MAX_BODY_BYTES as u64 + 1);
        dec.read_to_end(out)
            .map_err(|e| Error::bad("invalid_gzip", format!("cannot decompress the body: {e}")))?;
        if out.len() > MAX_BODY_BYTES {
            out.clear();
            out.shrink_to(MAX_BODY_BYTES);
            return Err(Error::TooLarge(format!(
                "the decompressed body exceeds {MAX_BODY_BYTES} bytes"
            )));
        }
        then(out)
    })
}

/// Parses and validates a whole batch.
pub fn parse_batch(body: &[u8]) -> Result<Vec<NewEvent>> {
    if body.len() > MAX_BODY_BYTES {
        return Err(Error::TooLarge(format!(
            "the body exceeds {MAX_BODY_BYTES} bytes"
        )));
    }
    let batch: BatchIn<'_> = serde_json::from_slice(body)
        .map_err(|e| Error::bad("invalid_json", format!("the batch is not valid: {e}")))?;
    if batch.events.len() > MAX_BATCH_EVENTS {
        return Err(Error::TooLarge(format!(
            "{} events in one batch; at most {MAX_BATCH_EVENTS}",
            batch.events.len()
        )));
    }
    batch
        .events
        .iter()
        .enumerate()
        .map(|(i, raw)| validate(raw, i))
        .collect()
}

fn validate(raw: &RawValue, i: usize) -> Result<NewEvent> {
    let ev: EventIn<'_> = serde_json::from_str(raw.get())
        .map_err(|e| Error::bad_event("invalid_event", e.to_string(), i))?;
    let id = uuid::Uuid::parse_str(&ev.id)
        .map_err(|_| Error::bad_event("invalid_id", "id is not a UUID", i))?;
    let kind = wire_name_of(&ev.kind).ok_or_else(|| {
        Error::bad_event(
            "invalid_type",
            "type must be signup, auth.success, auth.failure, custom, identify.seen, alias or challenge",
            i,
        )
    })?;
    let ts_ms = parse_ts(&ev.ts)
        .and_then(|t| check_timestamp(t).ok())
        .ok_or_else(|| {
            Error::bad_event(
                "invalid_timestamp",
                "ts must be RFC 3339 between 2000 and 9999",
                i,
            )
        })?;
    if kind == CUSTOM {
        let name = ev.name.as_deref().unwrap_or("");
        check_event_name(name).map_err(|e| Error::bad_event("invalid_name", e.to_string(), i))?;
    }
    let challenge = if kind == CHALLENGE {
        let text = ev.result.as_deref().unwrap_or("");
        let result = ChallengeResult::parse(text)
            .map_err(|e| Error::bad_event("invalid_challenge_result", e.to_string(), i))?;
        Some(result.as_str())
    } else {
        None
    };
    let user_key = match &ev.user {
        Some(u) => Some(check_user(u, i)?),
        None if kind == CUSTOM => None,
        None => {
            return Err(Error::bad_event(
                "missing_user",
                format!("{kind} needs a user"),
                i,
            ))
        }
    };
    let previous_key = if kind == ALIAS {
        let prev = ev
            .previous
            .as_ref()
            .ok_or_else(|| Error::bad_event("missing_previous", "alias needs previous", i))?;
        Some(check_user(prev, i)?)
    } else {
        None
    };
    let mut ip = None;
    let mut device = None;
    if let Some(req) = &ev.request {
        if let Some(text) = req.device.as_deref() {
            let id: DeviceId = text.parse().map_err(|()| {
                Error::bad_event(
                    "invalid_request",
                    "request.device must be 32 lower-case hex digits",
                    i,
                )
            })?;
            device = Some(id.to_string());
        }
        for field in [&req.user_agent, &req.method, &req.path]
            .into_iter()
            .flatten()
        {
            if field.len() > MAX_REQUEST_FIELD_BYTES {
                return Err(Error::bad_event(
                    "invalid_request",
                    format!("request fields are at most {MAX_REQUEST_FIELD_BYTES} bytes"),
                    i,
                ));
            }
        }
        if let Some(text) = req.ip.as_deref() {
            let addr = parse_ip(text).map_err(|_| {
                Error::bad_event("invalid_ip", "request.ip is not an IP address", i)
            })?;
            ip = Some(canonical_ip(text, addr));
        }
    }
    if let Some(props) = &ev.properties {
        check_properties(props, i)?;
    }
    let engine = EngineFields {
        user_ids: ev.user.as_ref().map(|u| ids_json(&u.ids)),
        user_exists: ev.exists.filter(|_| kind == AUTH_FAILURE),
        // A challenge's result is kept where a custom event's name is (EventKind::from_wire).
        name: match challenge {
            Some(result) => Some(result.to_owned()),
            None => ev.name.filter(|_| kind == CUSTOM).map(Cow::into_owned),
        },
        previous_key,
        email_domain: ev
            .user
            .as_ref()
            .filter(|_| kind == SIGNUP)
            .and_then(|u| email_domain(&u.ids)),
        device,
    };
    Ok(NewEvent {
        event_id: *id.as_bytes(),
        ts_ms,
        kind,
        user_key,
        ip,
        data: raw.get().to_owned(),
        engine,
    })
}

/// Checks the identifiers against the identity rules and recomputes the user key.
fn check_user(u: &UserIn<'_>, i: usize) -> Result<String> {
    let bad = |code, msg: &str| Err(Error::bad_event(code, msg.to_owned(), i));
    if u.ids.is_empty() || u.ids.len() > MAX_PAIRS {
        return bad("invalid_identity", "user.ids must have 1 to 16 pairs");
    }
    for (k, v) in &u.ids {
        if k.is_empty() || k.len() > MAX_KEY_BYTES || v.is_empty() || v.len() > MAX_VALUE_BYTES {
            return bad(
                "invalid_identity",
                "identifier keys are 1..64 bytes and values 1..1024 bytes",
            );
        }
        if k.chars().any(char::is_control) || v.chars().any(char::is_control) {
            return bad(
                "invalid_identity",
                "identifiers contain a control character",
            );
        }
    }
    // BTreeMap<String, _> iterates in key-byte order, the order the key is defined over.
    let pairs: SmallVec<[(&str, &str); 4]> = u.ids.iter().map(|(k, v)| (&**k, &**v)).collect();
    // Normalizing borrows when nothing changes (the common case); the identity it returns
    // already carries the key, so the key costs one hash.
    let identity = Identity::new(&pairs[..], None)
        .map_err(|e| Error::bad_event("invalid_identity", e.to_string(), i))?;
    if !identity.pairs().eq(pairs.iter().copied()) {
        return bad("not_normalized", "user.ids are not normalized");
    }
    let key = identity.key().to_string();
    if key != u.key {
        return bad("key_mismatch", "user.key does not match user.ids");
    }
    if u.primary
        .as_deref()
        .is_some_and(|p| p != identity.primary_key())
    {
        return bad(
            "primary_mismatch",
            "user.primary is not the primary identifier",
        );
    }
    Ok(key)
}

fn check_properties(props: &serde_json::Map<String, serde_json::Value>, i: usize) -> Result<()> {
    let bad = |msg: String| Err(Error::bad_event("invalid_properties", msg, i));
    if props.len() > MAX_PROPERTIES {
        return bad(format!("at most {MAX_PROPERTIES} properties"));
    }
    for (k, v) in props {
        if k.is_empty() || k.len() > MAX_PROPERTY_KEY_BYTES || k.chars().any(char::is_control) {
            return bad("property keys are 1..128 bytes without control characters".into());
        }
        match v {
            serde_json::Value::String(s) if s.len() > MAX_PROPERTY_VALUE_BYTES => {
                return bad(format!(
                    "property values are at most {MAX_PROPERTY_VALUE_BYTES} bytes"
                ))
            }
            serde_json::Value::String(_) | serde_json::Value::Bool(_) => {}
            serde_json::Value::Number(n) if n.as_f64().is_some_and(f64::is_finite) => {}
            _ => return bad("property values are strings, finite numbers or booleans".into()),
        }
    }
    Ok(())
}

/// The lower-case domain of the first e-mail-like identifier, for disposable-domain checks.
fn email_domain(ids: &BTreeMap<Cow<'_, str>, Cow<'_, str>>) -> Option<String> {
    vigil_protocol::identity::EMAIL_KEYS
        .iter()
        .filter_map(|k| ids.get(*k))
        .find_map(|v| v.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase()))
        .filter(|d| !d.is_empty())
}

/// The identifiers as the JSON object the engine runner and decisions read, keys in order.
fn ids_json(ids: &BTreeMap<Cow<'_, str>, Cow<'_, str>>) -> String {
    let size = ids
        .iter()
        .map(|(k, v)| k.len() + v.len() + 6)
        .sum::<usize>()
        + 2;
    let mut out = Vec::with_capacity(size);
    serde_json::to_writer(&mut out, ids).expect("a string map always serializes");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// The address as stored: the SDK's text when it already is the canonical form, saving the
/// formatting of every event's address. Text without a colon that parsed is a dotted quad, and
/// the standard parser takes those only in canonical form (no leading zeros, no spaces).
fn canonical_ip(text: &str, addr: IpAddr) -> String {
    if addr.is_ipv4() && !text.contains(':') {
        text.to_owned()
    } else {
        addr.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_stored_canonical() {
        let stored = |text: &str| canonical_ip(text, parse_ip(text).unwrap());
        assert_eq!(stored("192.0.2.1"), "192.0.2.1");
        assert_eq!(stored("::ffff:192.0.2.1"), "192.0.2.1");
        assert_eq!(stored("2001:DB8:0:0::1"), "2001:db8::1");
        // What keeping the text relies on: no other spelling of a dotted quad parses.
        for other in [
            "192.0.2.01",
            "192.000.2.1",
            " 192.0.2.1",
            "192.0.2.1 ",
            "0x7f.0.0.1",
        ] {
            assert!(parse_ip(other).is_err(), "{other}");
        }
    }

    /// Strings with JSON escapes cannot borrow from the body: they must still come out decoded.
    #[test]
    fn escaped_strings_are_decoded() {
        let identity = Identity::new(&[("email", "zoë@example.com")], None).unwrap();
        let body = format!(
            r#"{{"events":[{{"id":"0190f3c4-7a1b-7000-8000-000000000001","type":"custom",
                "name":"order\u002epaid","ts":"2024-07-01T12:00:00Z",
                "user":{{"ids":{{"em\u0061il":"zo\u00eb@example.com"}},"key":"{}"}},
                "request":{{"ip":"192.0.2.1","path":"\/login"}}}}]}}"#,
            identity.key()
        );
        let events = parse_batch(body.as_bytes()).unwrap();
        let e = &events[0];
        assert_eq!(e.user_key.as_deref(), Some(&*identity.key().to_string()));
        assert_eq!(e.engine.name.as_deref(), Some("order.paid"));
        assert_eq!(
            e.engine.user_ids.as_deref(),
            Some(r#"{"email":"zoë@example.com"}"#)
        );
        assert_eq!(e.ip.as_deref(), Some("192.0.2.1"));
    }
}
