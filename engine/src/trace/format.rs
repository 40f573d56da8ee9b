//! JSON Lines traces: one event per line (see the crate README for the field list).

use std::io::{BufRead, Write};
use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use vigil_protocol::event_kind::ChallengeResult;
use vigil_protocol::{DeviceId, EventKind};

use crate::event::Event;
use crate::geo::{Country, LatLon, Place};
use crate::EngineError;

/// The label of benign traffic in the evaluated window.
pub const BENIGN: &str = "benign";
/// The label of benign history before the window: replayed so the engine knows each user's
/// devices and places, as a deployment would after weeks of traffic; never scored.
pub const WARMUP: &str = "warmup";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TraceKind {
    Signup,
    AuthSuccess,
    AuthFailure,
    Custom,
    IdentifySeen,
    Alias,
    Challenge,
}

/// One line of a trace. `label` names the attack episode an event belongs to
/// (`brute_force#2`), or is `benign` or `warmup`; the engine never sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TraceRecord {
    pub ts_ms: i64,
    pub kind: TraceKind,
    #[serde(
        with = "crate::keys::opt_user",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub user: Option<u128>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<IpAddr>,
    /// `auth_failure` only: whether the account exists, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exists: Option<bool>,
    /// `custom` only: the event name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_domain: Option<String>,
    /// `alias` only: the previous identity (`user` is the new one).
    #[serde(
        with = "crate::keys::opt_user",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub previous: Option<u128>,
    /// `challenge` only: `requested`, `succeeded` or `failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<DeviceId>,
    /// Where `ip` is, so a replay needs no geography database: a country (its centroid is
    /// the location unless `lat`/`lon` say better) and the network's ASN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<Country>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asn: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

impl TraceRecord {
    pub fn new(ts_ms: i64, kind: TraceKind) -> Self {
        TraceRecord {
            ts_ms,
            kind,
            user: None,
            ip: None,
            exists: None,
            name: None,
            email_domain: None,
            previous: None,
            result: None,
            device: None,
            country: None,
            lat: None,
            lon: None,
            asn: None,
            label: None,
        }
    }

    /// The place the record gives, if it gives any part of one.
    pub fn place(&self) -> Option<Place> {
        if self.country.is_none() && self.asn.is_none() && self.lat.is_none() {
            return None;
        }
        let precise = match (self.lat, self.lon) {
            (Some(lat), Some(lon)) => Some(LatLon { lat, lon }),
            _ => None,
        };
        Some(Place {
            country: self.country,
            asn: self.asn,
            location: precise.or_else(|| self.country.and_then(|c| c.centroid())),
            precise: precise.is_some(),
        })
    }

    pub fn to_event(&self) -> Result<Event, String> {
        let kind = match self.kind {
            TraceKind::Signup => EventKind::Signup,
            TraceKind::AuthSuccess => EventKind::AuthSuccess,
            TraceKind::AuthFailure => EventKind::AuthFailure {
                exists: self.exists,
            },
            TraceKind::Custom => EventKind::Custom {
                name: self.name.clone().ok_or("custom event without name")?,
            },
            TraceKind::IdentifySeen => EventKind::IdentifySeen,
            TraceKind::Alias => EventKind::Alias {
                previous: self.previous.ok_or("alias without previous")?,
            },
            TraceKind::Challenge => EventKind::Challenge {
                result: ChallengeResult::parse(
                    self.result.as_deref().ok_or("challenge without result")?,
                )
                .map_err(|e| e.to_string())?,
            },
        };
        if self.kind == TraceKind::Alias && self.user.is_none() {
            return Err("alias without user".into());
        }
        Ok(Event {
            ts_ms: self.ts_ms,
            kind,
            user: self.user,
            ip: self.ip,
            email_domain: self
                .email_domain
                .as_deref()
                .map(|d| d.to_ascii_lowercase().into_boxed_str()),
            device: self.device,
            place: self.place(),
        })
    }

    pub fn from_event(event: &Event, label: Option<&str>) -> Self {
        let mut r = TraceRecord::new(event.ts_ms, TraceKind::Signup);
        r.kind = match &event.kind {
            EventKind::Signup => TraceKind::Signup,
            EventKind::AuthSuccess => TraceKind::AuthSuccess,
            EventKind::AuthFailure { exists } => {
                r.exists = *exists;
                TraceKind::AuthFailure
            }
            EventKind::Custom { name } => {
                r.name = Some(name.clone());
                TraceKind::Custom
            }
            EventKind::IdentifySeen => TraceKind::IdentifySeen,
            EventKind::Alias { previous } => {
                r.previous = Some(*previous);
                TraceKind::Alias
            }
            EventKind::Challenge { result } => {
                r.result = Some(result.as_str().into());
                TraceKind::Challenge
            }
        };
        r.user = event.user;
        r.device = event.device;
        if let Some(p) = &event.place {
            r.country = p.country;
            r.asn = p.asn;
            if let Some(l) = p.location.filter(|_| p.precise) {
                (r.lat, r.lon) = (Some(l.lat), Some(l.lon));
            }
        }
        r.ip = event.ip;
        r.email_domain = event.email_domain.as_deref().map(str::to_string);
        r.label = label.map(str::to_string);
        r
    }
}

/// Reads a trace; blank lines are skipped, and errors name the line.
pub fn read_trace(reader: impl BufRead) -> Result<Vec<TraceRecord>, EngineError> {
    let mut out = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let err = |message: String| EngineError::Trace {
            line: i + 1,
            message,
        };
        let line = line.map_err(|e| err(e.to_string()))?;
        if line.trim().is_empty() {
            continue;
        }
        let rec: TraceRecord = serde_json::from_str(&line).map_err(|e| err(e.to_string()))?;
        rec.to_event().map_err(err)?;
        out.push(rec);
    }
    Ok(out)
}

pub fn write_trace(mut w: impl Write, records: &[TraceRecord]) -> std::io::Result<()> {
    for r in records {
        serde_json::to_writer(&mut w, r)?;
        w.write_all(b"\n")?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_round_trip() {
        let line = r#"{"ts_ms":5,"kind":"auth_failure","user":"u_0000000000000000000000000000002a","ip":"10.0.0.1","exists":false,"label":"account_enumeration#1"}"#;
        let rec: TraceRecord = serde_json::from_str(line).unwrap();
        assert_eq!(rec.user, Some(42));
        let ev = rec.to_event().unwrap();
        assert_eq!(
            ev.kind,
            EventKind::AuthFailure {
                exists: Some(false)
            }
        );
        assert_eq!(serde_json::to_string(&rec).unwrap(), line);
        let back = TraceRecord::from_event(&ev, rec.label.as_deref());
        assert_eq!(back, rec);
    }

    #[test]
    fn bad_lines_are_reported_with_their_number() {
        let text = "{\"ts_ms\":1,\"kind\":\"signup\"}\n\n{\"ts_ms\":2,\"kind\":\"custom\"}\n";
        match read_trace(text.as_bytes()) {
            Err(EngineError::Trace { line: 3, .. }) => {}
            other => panic!("{other:?}"),
        }
    }
}
