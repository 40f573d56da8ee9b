//! Pseudonymization of identifier values (`pii = "hash"`): the raw value never leaves the process.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::identity::EMAIL_KEYS;

type HmacSha256 = Hmac<Sha256>;

/// Replaces identifier values with keyed hashes, optionally keeping e-mail domains readable so
/// that disposable-domain detection keeps working (seed 004).
#[derive(Clone)]
pub struct Pseudonymizer {
    mac: HmacSha256,
    keep_email_domain: bool,
}

impl std::fmt::Debug for Pseudonymizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pseudonymizer")
            .field("keep_email_domain", &self.keep_email_domain)
            .finish_non_exhaustive()
    }
}

impl Pseudonymizer {
    pub fn new(secret: &[u8], keep_email_domain: bool) -> Pseudonymizer {
        Pseudonymizer {
            mac: HmacSha256::new_from_slice(secret).expect("HMAC accepts keys of any length"),
            keep_email_domain,
        }
    }

    /// `h(v)`: the first 10 bytes of HMAC-SHA256(secret, v), lower-case base32 without padding.
    pub fn hash(&self, value: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(value.as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut out = data_encoding::BASE32_NOPAD.encode(&digest[..10]);
        out.make_ascii_lowercase();
        out
    }

    /// The pseudonym of a normalized value of identifier `key`.
    pub fn pseudonymize(&self, key: &str, value: &str) -> String {
        if self.keep_email_domain && EMAIL_KEYS.contains(&key) {
            if let Some((_, domain)) = value.rsplit_once('@') {
                return format!("anon-{}@{}", self.hash(value), domain);
            }
        }
        self.hash(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_16_base32_chars() {
        let p = Pseudonymizer::new(b"secret", true);
        let h = p.hash("alice");
        assert_eq!(h.len(), 16);
        assert!(h
            .bytes()
            .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b)));
    }

    #[test]
    fn email_keeps_domain_unless_disabled() {
        let keep = Pseudonymizer::new(b"s", true);
        let v = keep.pseudonymize("email", "alice@example.com");
        assert!(v.starts_with("anon-") && v.ends_with("@example.com"));
        let drop = Pseudonymizer::new(b"s", false);
        assert_eq!(
            drop.pseudonymize("email", "alice@example.com"),
            drop.hash("alice@example.com")
        );
        assert_eq!(keep.pseudonymize("username", "alice"), keep.hash("alice"));
    }
}
