//! Event times: their bounds and their text form on the wire.

use crate::error::{Error, Result};
use crate::limits::{MAX_TS_MS, MIN_TS_MS};

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

/// RFC 3339 UTC with milliseconds, e.g. `2026-11-22T03:00:00.123Z`.
pub fn format_ts(ts_ms: i64) -> String {
    let dt = time::OffsetDateTime::from_unix_timestamp_nanos(ts_ms as i128 * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        dt.year(),
        dt.month() as u8,
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second(),
        dt.millisecond()
    )
}

/// Parses an RFC 3339 timestamp into Unix milliseconds.
pub fn parse_ts(s: &str) -> Option<i64> {
    let dt = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
    Some((dt.unix_timestamp_nanos() / 1_000_000) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_bounded() {
        assert!(check_timestamp(1_700_000_000_000).is_ok());
        assert!(check_timestamp(0).is_err());
        assert!(check_timestamp(MAX_TS_MS + 1).is_err());
    }

    #[test]
    fn text_form_round_trips() {
        assert_eq!(format_ts(1_763_780_400_123), "2025-11-22T03:00:00.123Z");
        assert_eq!(
            parse_ts("2025-11-22T03:00:00.123Z"),
            Some(1_763_780_400_123)
        );
    }
}
