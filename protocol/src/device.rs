//! The device id: a random 128-bit value the middlewares keep in a signed first-party cookie,
//! spelled on the wire as 32 lower-case hex digits (`request.device`).

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeviceId(pub u128);

impl DeviceId {
    /// A fresh random id.
    pub fn random() -> DeviceId {
        DeviceId(rand::random())
    }
}

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

/// Only the exact spelling is accepted (32 lower-case hex digits), so one device has one text.
impl FromStr for DeviceId {
    type Err = ();
    fn from_str(s: &str) -> Result<DeviceId, ()> {
        let ok = s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if !ok {
            return Err(());
        }
        u128::from_str_radix(s, 16).map(DeviceId).map_err(|_| ())
    }
}

impl serde::Serialize for DeviceId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for DeviceId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        text.parse()
            .map_err(|()| serde::de::Error::custom("a device id is 32 lower-case hex digits"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_other_spellings() {
        let d = DeviceId(0x0123_4567_89ab_cdef_0011_2233_4455_6677);
        assert_eq!(d.to_string(), "0123456789abcdef0011223344556677");
        assert_eq!(d.to_string().parse::<DeviceId>(), Ok(d));
        for bad in [
            "",
            "0123456789ABCDEF0011223344556677",
            "123",
            "+123456789abcdef0011223344556677",
        ] {
            assert!(bad.parse::<DeviceId>().is_err(), "{bad}");
        }
    }
}
