//! The stable key of a user: what every SDK and the server compute from the same identifiers.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// The 128-bit stable key of a user, shown as `u_` and 32 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserKey(pub [u8; 16]);

impl fmt::Display for UserKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 34];
        buf[..2].copy_from_slice(b"u_");
        hex::encode_to_slice(self.0, &mut buf[2..]).expect("34-byte buffer fits 16 bytes of hex");
        f.write_str(std::str::from_utf8(&buf).expect("hex is ASCII"))
    }
}

impl fmt::Debug for UserKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for UserKey {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let hex_part = s
            .strip_prefix("u_")
            .filter(|h| h.len() == 32)
            .ok_or_else(|| {
                Error::Config(format!("{s:?} is not a user key (u_ + 32 hex digits)"))
            })?;
        let mut out = [0u8; 16];
        hex::decode_to_slice(hex_part, &mut out)
            .map_err(|_| Error::Config(format!("{s:?} is not a user key (u_ + 32 hex digits)")))?;
        Ok(UserKey(out))
    }
}

impl serde::Serialize for UserKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for UserKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = <Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_text() {
        let key = UserKey([0xab; 16]);
        let text = key.to_string();
        assert_eq!(text, format!("u_{}", "ab".repeat(16)));
        assert_eq!(text.parse::<UserKey>().unwrap(), key);
        assert!("u_zz".parse::<UserKey>().is_err());
    }
}
