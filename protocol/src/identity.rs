//! User identity: validation, primary key and the stable user key (normalization itself is in
//! `normalize`).
//!
//! The rules are a contract shared by every SDK and the server (docs/identity.md): the same
//! identifiers must give the same user key everywhere, so nothing here may change lightly.

use std::borrow::Cow;
use std::fmt;

use sha2::{Digest, Sha256};
use smallvec::SmallVec;

use crate::error::{Error, Result};
use crate::limits::MAX_PAIRS;
use crate::normalize::{
    has_control, normalize_key, normalize_key_scanned, normalize_value, scan_ascii,
};
use crate::pseudonym::Pseudonymizer;
use crate::user_key::UserKey;

/// Keys whose values are e-mail addresses: lower-cased, and pseudonymized keeping the domain.
pub const EMAIL_KEYS: [&str; 3] = ["email", "mail", "e-mail"];
/// The order in which a primary key is chosen; otherwise the alphabetically first key.
const PRIMARY_KEYS: [&str; 5] = ["email", "mail", "e-mail", "username", "login"];

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
    fn email_domain_comes_from_last_at() {
        let id = Identity::new(&[("email", "a@b@Mailinator.com")], None).unwrap();
        assert_eq!(id.email_domain(), Some("mailinator.com"));
        let id = Identity::new(&[("username", "a@b.c")], None).unwrap();
        assert_eq!(id.email_domain(), None);
    }
}
