//! Durations in configuration: written as `"10m"`, `"1h"`, `"7d"` in TOML, kept as milliseconds.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::EngineError;

/// A duration in milliseconds. Deserializes from an integer (milliseconds) or a string with a
/// unit suffix (`ms`, `s`, `m`, `h`, `d`); serializes to the shortest exact string form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct DurationMs(pub i64);

const UNITS: [(&str, i64); 5] = [
    ("d", 86_400_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1_000),
    ("ms", 1),
];

impl DurationMs {
    pub const fn from_secs(s: i64) -> Self {
        DurationMs(s * 1_000)
    }
    pub const fn from_mins(m: i64) -> Self {
        DurationMs(m * 60_000)
    }
    pub const fn from_hours(h: i64) -> Self {
        DurationMs(h * 3_600_000)
    }
    pub const fn from_days(d: i64) -> Self {
        DurationMs(d * 86_400_000)
    }
    pub const fn ms(self) -> i64 {
        self.0
    }

    pub fn parse(text: &str) -> Result<Self, EngineError> {
        let t = text.trim();
        let bad = || EngineError::Duration(text.to_string());
        // "ms" must be tried before "m" and "s", which it ends with.
        let (num, mult) = if let Some(n) = t.strip_suffix("ms") {
            (n, 1)
        } else {
            let unit = UNITS
                .iter()
                .find(|(u, _)| *u != "ms" && t.ends_with(u))
                .ok_or_else(bad)?;
            (&t[..t.len() - unit.0.len()], unit.1)
        };
        let n: i64 = num.trim().parse().map_err(|_| bad())?;
        if n < 0 {
            return Err(bad());
        }
        n.checked_mul(mult).map(DurationMs).ok_or_else(bad)
    }
}

impl fmt::Display for DurationMs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("0s");
        }
        let (unit, mult) = UNITS
            .iter()
            .find(|(_, m)| self.0 % m == 0)
            .copied()
            .unwrap_or(("ms", 1));
        write!(f, "{}{}", self.0 / mult, unit)
    }
}

impl Serialize for DurationMs {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DurationMs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Int(i64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Int(ms) if ms >= 0 => Ok(DurationMs(ms)),
            Raw::Int(ms) => Err(serde::de::Error::custom(EngineError::Duration(
                ms.to_string(),
            ))),
            Raw::Text(t) => DurationMs::parse(&t).map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        assert_eq!(DurationMs::parse("10m").unwrap(), DurationMs::from_mins(10));
        assert_eq!(DurationMs::parse("250ms").unwrap(), DurationMs(250));
        assert_eq!(DurationMs::parse("7d").unwrap(), DurationMs::from_days(7));
        assert!(DurationMs::parse("7w").is_err());
        assert!(DurationMs::parse("-1h").is_err());
        assert_eq!(DurationMs::from_hours(24).to_string(), "1d");
        assert_eq!(DurationMs(1500).to_string(), "1500ms");
    }
}
