//! The self-contained, signed token of a notice link: `base64url(claims JSON) "."
//! base64url(HMAC-SHA256(key, "vigil-notice.v1." base64url(claims)))`. The link is the
//! capability (no session, no lookup to find what it is about), so everything the answer
//! needs is in the signed claims; the user's identifiers are not, so a link that ends up in a
//! log names no one.

use data_encoding::BASE64URL_NOPAD as B64;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::error::{Error, Result};

/// Domain separation: this key signs nothing else, but a MAC that says what it is for cannot
/// be mistaken for another one if that ever changes.
const CONTEXT: &[u8] = b"vigil-notice.v1.";
/// Tokens longer than this are refused before any work (a real one is about 250 bytes).
const MAX_LEN: usize = 1024;

/// What a user answers to "was this you?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// "This was me": the device is trusted.
    Me,
    /// "This wasn't me": the user is blocked and the app asked to end their sessions.
    NotMe,
}

/// The signed claims; the names are short because they travel in a URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claims {
    /// Format version (1).
    pub v: u8,
    /// The notification the e-mail was: a notice is answered once, whichever link.
    pub n: String,
    /// App id.
    pub a: i64,
    /// User key.
    pub u: String,
    /// The device of the sign-in, if the SDK sent one.
    #[serde(default)]
    pub d: Option<String>,
    /// The answer this link gives.
    pub r: Answer,
    /// Expiry, Unix milliseconds.
    pub x: i64,
}

/// The server's notice signing key (`settings.notice_key`, made at first start).
pub struct NoticeKey([u8; 32]);

impl NoticeKey {
    pub fn new(bytes: [u8; 32]) -> NoticeKey {
        NoticeKey(bytes)
    }

    fn mac(&self, payload: &str) -> Hmac<Sha256> {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(CONTEXT);
        mac.update(payload.as_bytes());
        mac
    }

    pub fn sign(&self, claims: &Claims) -> String {
        let json = serde_json::to_vec(claims).expect("claims always serialize");
        let payload = B64.encode(&json);
        let tag = B64.encode(&self.mac(&payload).finalize().into_bytes());
        format!("{payload}.{tag}")
    }

    /// The claims of a token this key signed that has not expired at `now`. Everything
    /// else is one refusal that says nothing about why the signature failed.
    pub fn verify(&self, token: &str, now: i64) -> Result<Claims> {
        let invalid = || Error::bad("invalid_link", "This link is not valid.");
        if token.len() > MAX_LEN {
            return Err(invalid());
        }
        let (payload, tag) = token.split_once('.').ok_or_else(invalid)?;
        let tag = B64.decode(tag.as_bytes()).map_err(|_| invalid())?;
        // Constant-time comparison (hmac's verify_slice).
        self.mac(payload)
            .verify_slice(&tag)
            .map_err(|_| invalid())?;
        let json = B64.decode(payload.as_bytes()).map_err(|_| invalid())?;
        let claims: Claims = serde_json::from_slice(&json).map_err(|_| invalid())?;
        if claims.v != 1 {
            return Err(invalid());
        }
        if claims.x <= now {
            return Err(Error::Gone("This link has expired."));
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> Claims {
        Claims {
            v: 1,
            n: "n_0123456789abcdef0123".into(),
            a: 3,
            u: "u_355281dfacb5bb2d4aedce5600e213b2".into(),
            d: Some("0123456789abcdef0123456789abcdef".into()),
            r: Answer::Me,
            x: 2_000,
        }
    }

    #[test]
    fn round_trips_until_expiry() {
        let key = NoticeKey::new([7; 32]);
        let token = key.sign(&claims());
        assert!(token.len() < 300, "{}", token.len());
        assert!(token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)));
        assert_eq!(key.verify(&token, 1_999).unwrap(), claims());
        assert!(matches!(key.verify(&token, 2_000), Err(Error::Gone(_))));
    }

    #[test]
    fn refuses_tampering_and_other_keys() {
        let key = NoticeKey::new([7; 32]);
        let token = key.sign(&claims());
        let refused = |t: &str| matches!(key.verify(t, 0), Err(Error::BadRequest { .. }));
        assert!(refused(&NoticeKey::new([8; 32]).sign(&claims())));
        // Every single-character change anywhere in the token.
        for i in 0..token.len() {
            let mut bytes = token.clone().into_bytes();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let t = String::from_utf8(bytes).unwrap();
            if t != token {
                assert!(refused(&t), "position {i}");
            }
        }
        // The claims re-signed with another answer by someone without the key.
        let (_, tag) = token.split_once('.').unwrap();
        let mut other = claims();
        other.r = Answer::NotMe;
        let forged_payload = B64.encode(&serde_json::to_vec(&other).unwrap());
        assert!(refused(&format!("{forged_payload}.{tag}")));
        for t in ["", ".", "abc", "a.b.c", &"x".repeat(2000)] {
            assert!(refused(t), "{t}");
        }
    }
}
