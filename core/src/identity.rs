//! User identity: validation, normalization, primary key and the stable user key.
//!
//! The rules are a contract shared by every SDK and the server (docs/identity.md): the same
//! identifiers must give the same user key everywhere, so nothing here may change lightly.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};
use smallvec::SmallVec;
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

use crate::error::{Error, Result};
use crate::pseudonym::Pseudonymizer;

pub const MAX_PAIRS: usize = 16;
pub const MAX_KEY_BYTES: usize = 64;
pub const MAX_VALUE_BYTES: usize = 1024;

/// Keys whose values are e-mail addresses: lower-cased, and pseudonymized keeping the domain.
pub const EMAIL_KEYS: [&str; 3] = ["email", "mail", "e-mail"];
/// The order in which a primary key is chosen; otherwise the alphabetically first key.
const PRIMARY_KEYS: [&str; 5] = ["email", "mail", "e-mail", "username", "login"];

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

/// A validated, normalized (and, if configured, pseudonymized) identity.
///
/// All keys and values live in one buffer (one allocation per identity, however many pairs),
/// because building identities is most of what a tracking call costs.
#[derive(Clone, PartialEq, Eq)]
pub struct Identity {
    /// Keys and values concatenated, pairs in key-byte order.
    buf: Box<str>,
    /// For each pair, the end offsets of its key and of its value in `buf`.
    ends: SmallVec<[(u32, u32); 4]>,
    primary: u8,
    key: UserKey,
}

type Pairs<'a> = SmallVec<[(Cow<'a, str>, Cow<'a, str>); 4]>;

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Identifiers can be PII: debug output shows only the key.
        f.debug_struct("Identity")
            .field("primary", &self.primary_key())
            .field("key", &self.key)
            .finish()
    }
}

impl Identity {
    /// Validates and normalizes `pairs` into an identity, pseudonymizing values when asked to.
    pub fn new<K: AsRef<str>, V: AsRef<str>>(
        pairs: &[(K, V)],
        pseudonymizer: Option<&Pseudonymizer>,
    ) -> Result<Identity> {
        if pairs.is_empty() {
            return Err(Error::EmptyIdentifiers);
        }
        if pairs.len() > MAX_PAIRS {
            return Err(Error::TooManyIdentifiers {
                count: pairs.len(),
                max: MAX_PAIRS,
            });
        }
        let mut normalized: Pairs<'_> = SmallVec::with_capacity(pairs.len());
        for (raw_key, raw_value) in pairs {
            let (raw_key, raw_value) = (raw_key.as_ref(), raw_value.as_ref());
            let (key_scan, value_scan) = (scan_ascii(raw_key), scan_ascii(raw_value));
            if has_control(raw_key, &key_scan) || has_control(raw_value, &value_scan) {
                return Err(Error::ControlCharacter {
                    key: raw_key.to_owned(),
                });
            }
            let key = normalize_key_scanned(raw_key, &key_scan)?;
            let value = normalize_value(&key, raw_value, &value_scan)?;
            normalized.push((key, value));
        }
        normalized.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        if let Some(w) = normalized.windows(2).find(|w| w[0].0 == w[1].0) {
            let dup: &str = &w[0].0;
            let originals: Vec<&str> = pairs
                .iter()
                .map(|(k, _)| k.as_ref())
                .filter(|k| normalize_key(k).is_ok_and(|n| n == dup))
                .collect();
            return Err(Error::DuplicateKey {
                first: originals.first().copied().unwrap_or(dup).to_owned(),
                second: originals.get(1).copied().unwrap_or(dup).to_owned(),
            });
        }
        if let Some(p) = pseudonymizer {
            for (key, value) in &mut normalized {
                *value = Cow::Owned(p.pseudonymize(key, value));
            }
        }
        Ok(Identity::build(
            normalized.iter().map(|(k, v)| (&**k, &**v)),
        ))
    }

    /// Builds an identity from pairs already normalized, sorted by key and unique (e.g. ones an
    /// SDK sent to the server). Only the primary key and the user key are computed.
    pub fn from_normalized<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)> + Clone,
    ) -> Identity {
        Identity::build(pairs)
    }

    fn build<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)> + Clone) -> Identity {
        let len = pairs
            .clone()
            .into_iter()
            .map(|(k, v)| k.len() + v.len())
            .sum();
        let mut buf = String::with_capacity(len);
        let mut ends = SmallVec::new();
        let mut hasher = Sha256::new();
        let (mut primary, mut primary_rank) = (0, PRIMARY_KEYS.len());
        for (i, (k, v)) in pairs.into_iter().enumerate() {
            if let Some(rank) = PRIMARY_KEYS.iter().position(|p| *p == k) {
                if rank < primary_rank {
                    (primary, primary_rank) = (i as u8, rank);
                }
            }
            debug_assert!(buf.len() <= u32::MAX as usize);
            buf.push_str(k);
            let key_end = buf.len() as u32;
            buf.push_str(v);
            ends.push((key_end, buf.len() as u32));
            hash_pair(&mut hasher, k, v);
        }
        let digest = hasher.finalize();
        let mut key = [0u8; 16];
        key.copy_from_slice(&digest[..16]);
        Identity {
            buf: buf.into_boxed_str(),
            ends,
            primary,
            key: UserKey(key),
        }
    }

    pub fn key(&self) -> UserKey {
        self.key
    }

    /// The name of the identifier that names this user (e.g. `email`).
    pub fn primary_key(&self) -> &str {
        self.pair(self.primary as usize).0
    }

    /// The value of the primary identifier.
    pub fn primary_value(&self) -> &str {
        self.pair(self.primary as usize).1
    }

    /// The normalized pairs, sorted by key.
    pub fn pairs(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + Clone {
        (0..self.ends.len()).map(|i| self.pair(i))
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    fn pair(&self, i: usize) -> (&str, &str) {
        let start = if i == 0 {
            0
        } else {
            self.ends[i - 1].1 as usize
        };
        let (key_end, value_end) = self.ends[i];
        (
            &self.buf[start..key_end as usize],
            &self.buf[key_end as usize..value_end as usize],
        )
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// The e-mail domain (after the last `@` of the first e-mail-like identifier), if any.
    pub fn email_domain(&self) -> Option<&str> {
        EMAIL_KEYS
            .iter()
            .filter_map(|k| self.get(k))
            .find_map(|v| v.rsplit_once('@').map(|(_, d)| d))
            .filter(|d| !d.is_empty())
    }
}

/// What one pass over an all-ASCII string tells us; `None` for other strings (the slow path).
struct AsciiScan {
    control: bool,
    upper: bool,
}

#[inline]
fn scan_ascii(s: &str) -> Option<AsciiScan> {
    let (mut non_ascii, mut control, mut upper) = (false, false, false);
    for &b in s.as_bytes() {
        non_ascii |= b >= 0x80;
        control |= b < 0x20 || b == 0x7f;
        upper |= b.is_ascii_uppercase();
    }
    (!non_ascii).then_some(AsciiScan { control, upper })
}

fn has_control(s: &str, scan: &Option<AsciiScan>) -> bool {
    match scan {
        Some(a) => a.control,
        None => s.chars().any(char::is_control),
    }
}

fn normalize_key(raw: &str) -> Result<Cow<'_, str>> {
    normalize_key_scanned(raw, &scan_ascii(raw))
}

fn normalize_key_scanned<'a>(raw: &'a str, scan: &Option<AsciiScan>) -> Result<Cow<'a, str>> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(Error::EmptyKey);
    }
    let key = lowercase(trimmed, scan);
    if key.len() > MAX_KEY_BYTES {
        return Err(Error::KeyTooLong {
            len: key.len(),
            key: key.into_owned(),
            max: MAX_KEY_BYTES,
        });
    }
    Ok(key)
}

fn normalize_value<'a>(key: &str, raw: &'a str, scan: &Option<AsciiScan>) -> Result<Cow<'a, str>> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(Error::EmptyValue {
            key: key.to_owned(),
        });
    }
    let nfc: Cow<'a, str> = if scan.is_some() || is_nfc_quick(trimmed.chars()) == IsNormalized::Yes
    {
        Cow::Borrowed(trimmed)
    } else {
        Cow::Owned(trimmed.nfc().collect())
    };
    let value = if EMAIL_KEYS.contains(&key) {
        match nfc {
            Cow::Borrowed(s) => lowercase(s, scan),
            Cow::Owned(s) => Cow::Owned(lowercase(&s, &None).into_owned()),
        }
    } else {
        nfc
    };
    if value.len() > MAX_VALUE_BYTES {
        return Err(Error::ValueTooLong {
            key: key.to_owned(),
            len: value.len(),
            max: MAX_VALUE_BYTES,
        });
    }
    Ok(value)
}

/// Unicode default lower-casing, borrowing when nothing changes (the common case). `scan` is
/// of the untrimmed string; trimming only removes bytes, so its flags still hold.
fn lowercase<'a>(s: &'a str, scan: &Option<AsciiScan>) -> Cow<'a, str> {
    match scan {
        Some(a) if !a.upper => Cow::Borrowed(s),
        Some(_) => Cow::Owned(s.to_ascii_lowercase()),
        None => {
            let lower = s.to_lowercase();
            if lower == s {
                Cow::Borrowed(s)
            } else {
                Cow::Owned(lower)
            }
        }
    }
}

/// The user key's hash input for one pair: both lengths as 4-byte big-endian prefixes.
fn hash_pair(hasher: &mut Sha256, k: &str, v: &str) {
    hasher.update((k.len() as u32).to_be_bytes());
    hasher.update(k.as_bytes());
    hasher.update((v.len() as u32).to_be_bytes());
    hasher.update(v.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_case_and_spaces_make_one_user() {
        let a = Identity::new(&[("Email", " Alice@Example.com ")], None).unwrap();
        let b = Identity::new(&[("email", "alice@example.com")], None).unwrap();
        assert_eq!(a.key(), b.key());
        assert_eq!(a.primary_key(), "email");
        assert_eq!(a.key().to_string().len(), 34);
    }

    #[test]
    fn non_email_values_keep_case() {
        let a = Identity::new(&[("username", "Alice")], None).unwrap();
        let b = Identity::new(&[("username", "alice")], None).unwrap();
        assert_ne!(a.key(), b.key());
    }

    #[test]
    fn primary_falls_back_to_first_key() {
        let id = Identity::new(&[("zeta", "1"), ("platform_id", "2")], None).unwrap();
        assert_eq!(id.primary_key(), "platform_id");
        let id = Identity::new(&[("zeta", "1"), ("login", "bob")], None).unwrap();
        assert_eq!(id.primary_key(), "login");
    }

    #[test]
    fn user_key_round_trips_through_text() {
        let id = Identity::new(&[("uid", "42")], None).unwrap();
        let text = id.key().to_string();
        assert_eq!(text.parse::<UserKey>().unwrap(), id.key());
        assert!("u_zz".parse::<UserKey>().is_err());
    }

    #[test]
    fn email_domain_comes_from_last_at() {
        let id = Identity::new(&[("email", "a@b@Mailinator.com")], None).unwrap();
        assert_eq!(id.email_domain(), Some("mailinator.com"));
        let id = Identity::new(&[("username", "a@b.c")], None).unwrap();
        assert_eq!(id.email_domain(), None);
    }
}
