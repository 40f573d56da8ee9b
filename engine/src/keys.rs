//! User keys as text: `u_` followed by 32 lower-case hex digits, the core's format for the
//! 16-byte key, which the engine holds as a big-endian `u128`.

use crate::EngineError;

pub fn format_user(key: u128) -> String {
    format!("u_{key:032x}")
}

pub fn parse_user(text: &str) -> Result<u128, EngineError> {
    let hex = text
        .strip_prefix("u_")
        .filter(|h| h.len() == 32 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(|| EngineError::UserKey(text.to_string()))?;
    u128::from_str_radix(hex, 16).map_err(|_| EngineError::UserKey(text.to_string()))
}

/// Serde adapter for `Option<u128>` user keys in their text form, so JSON readers in other
/// languages (whose numbers are doubles) never see a 128-bit integer.
pub mod opt_user {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<u128>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(k) => s.serialize_str(&super::format_user(*k)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u128>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|t| super::parse_user(&t).map_err(serde::de::Error::custom))
            .transpose()
    }
}

/// Serde adapter for a required `u128` user key.
pub mod user {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &u128, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_user(*v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u128, D::Error> {
        let t = String::deserialize(d)?;
        super::parse_user(&t).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let k = 0x0123_4567_89ab_cdef_0011_2233_4455_6677u128;
        let t = format_user(k);
        assert_eq!(t, "u_0123456789abcdef0011223344556677");
        assert_eq!(parse_user(&t).unwrap(), k);
        assert!(parse_user("u_123").is_err());
        assert!(parse_user("x_0123456789abcdef0011223344556677").is_err());
    }
}
