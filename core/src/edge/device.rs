//! The device cookie: a random device id the middlewares keep in a first-party cookie, signed
//! so that a client can neither forge one nor pick another user's known device.
//!
//! Value: `v1.<32 hex digits>.<tag>`, the tag being the first 16 bytes of
//! HMAC-SHA256(key, "v1." + id) in unpadded base64url. A missing or invalid cookie (any other
//! shape, version, key or tag, or two cookies of that name) gets a fresh id and a
//! `Set-Cookie`: an unsigned or doubtful id must never count as a known device.

use std::fmt;
use std::sync::OnceLock;

use cookie::Cookie;
use data_encoding::BASE64URL_NOPAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::{Error, Result};
use crate::event::DeviceId;

pub const DEFAULT_NAME: &str = "vigil_device";
/// Two years. (Chrome caps any cookie's lifetime at 400 days.)
pub const DEFAULT_MAX_AGE_S: u64 = 2 * 365 * 86_400;
/// At most ten years: past that a lifetime is a typo.
const MAX_MAX_AGE_S: u64 = 10 * 365 * 86_400;
/// The shortest `device_secret` accepted (bytes).
pub const MIN_SECRET_BYTES: usize = 16;
/// The key derived from the app token is HMAC-SHA256 under this label, keyed by it, of the
/// token: every SDK of one app shares it, and it reveals nothing of the token.
pub const TOKEN_LABEL: &[u8] = b"vigil device cookie v1";
const PREFIX: &str = "v1.";
const TAG_BYTES: usize = 16;

/// What a request's `Cookie` header says about its device.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceRead {
    /// The request's device: the cookie's when valid, else a fresh one. `None` when the
    /// cookie is disabled.
    pub device: Option<DeviceId>,
    /// The whole `Set-Cookie` header value to send with the response, for a fresh device.
    pub set_cookie: Option<String>,
}

/// An HMAC key, kept keyed (a clone per use skips hashing the key again).
#[derive(Clone)]
struct Key {
    bytes: Box<[u8]>,
    mac: Hmac<Sha256>,
}

impl Key {
    fn new(bytes: &[u8]) -> Key {
        Key {
            bytes: bytes.into(),
            mac: Hmac::new_from_slice(bytes).expect("HMAC takes keys of any length"),
        }
    }

    /// A random key for this process, the same for every client in it (and in its forked
    /// children, which serve the same site).
    fn process() -> Key {
        static KEY: OnceLock<[u8; 32]> = OnceLock::new();
        Key::new(KEY.get_or_init(rand::random))
    }

    fn tag(&self, id: &str) -> Hmac<Sha256> {
        let mut mac = self.mac.clone();
        mac.update(PREFIX.as_bytes());
        mac.update(id.as_bytes());
        mac
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for Key {}

/// The device cookie's settings (`device_cookie`, `device_cookie_secure`,
/// `device_cookie_max_age`, `device_secret`).
#[derive(Clone, PartialEq, Eq)]
pub struct DeviceCookie {
    /// Empty: no device cookie.
    name: String,
    secure: bool,
    max_age_s: u64,
    /// `device_secret`, when set: it wins over the token's key.
    secret: Option<Key>,
    /// Derived from the app token, when one is configured.
    from_token: Option<Key>,
    /// Neither: this process's random key.
    process: Key,
}

impl Default for DeviceCookie {
    fn default() -> Self {
        DeviceCookie {
            name: DEFAULT_NAME.into(),
            secure: false,
            max_age_s: DEFAULT_MAX_AGE_S,
            secret: None,
            from_token: None,
            process: Key::process(),
        }
    }
}

impl fmt::Debug for DeviceCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The key stays out of logs.
        f.debug_struct("DeviceCookie")
            .field("name", &self.name)
            .field("secure", &self.secure)
            .field("max_age_s", &self.max_age_s)
            .field("secret", &self.secret.as_ref().map(|_| "***"))
            .finish_non_exhaustive()
    }
}

impl DeviceCookie {
    pub fn set_name(&mut self, name: &str) -> std::result::Result<(), String> {
        let name = name.trim();
        if !name.bytes().all(is_token_byte) {
            return Err("expected a cookie name (letters, digits and !#$%&'*+-.^_`|~)".into());
        }
        self.name = name.to_owned();
        Ok(())
    }

    pub fn set_secure(&mut self, secure: bool) {
        self.secure = secure;
    }

    /// Seconds, or a duration with a unit (`730d`, `12h`).
    pub fn set_max_age(&mut self, text: &str) -> std::result::Result<(), String> {
        let text = text.trim();
        let seconds = match text.parse::<u64>() {
            Ok(s) => Some(s),
            Err(_) => vigil_engine::DurationMs::parse(text)
                .ok()
                .filter(|d| d.ms() % 1000 == 0)
                .map(|d| d.ms() as u64 / 1000),
        };
        self.max_age_s = seconds
            .filter(|s| (1..=MAX_MAX_AGE_S).contains(s))
            .ok_or("expected seconds or a duration (\"730d\") from 1 s to 10 years")?;
        Ok(())
    }

    /// `device_secret`; empty goes back to the token's key (or the process's).
    pub fn set_secret(&mut self, secret: &str) -> std::result::Result<(), String> {
        self.secret = match secret.trim() {
            "" => None,
            s if s.len() < MIN_SECRET_BYTES => {
                return Err(format!("must be at least {MIN_SECRET_BYTES} bytes"))
            }
            s => Some(Key::new(s.as_bytes())),
        };
        Ok(())
    }

    /// Derives the key from the app token (`None`: no token).
    pub fn set_token(&mut self, token: Option<&str>) {
        self.from_token = token.map(|t| {
            let mut mac = Hmac::<Sha256>::new_from_slice(TOKEN_LABEL).expect("any key length");
            mac.update(t.as_bytes());
            Key::new(&mac.finalize().into_bytes())
        });
    }

    /// What no single option can check: a `__Host-` or `__Secure-` name is only kept by
    /// browsers with `Secure`.
    pub fn validate(&self) -> Result<()> {
        let prefixed = self.name.starts_with("__Host-") || self.name.starts_with("__Secure-");
        if prefixed && !self.secure {
            return Err(Error::Config(format!(
                "device_cookie {:?}: browsers drop this prefix without device_cookie_secure = true",
                self.name
            )));
        }
        Ok(())
    }

    pub fn is_enabled(&self) -> bool {
        !self.name.is_empty()
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    fn key(&self) -> &Key {
        self.secret
            .as_ref()
            .or(self.from_token.as_ref())
            .unwrap_or(&self.process)
    }

    /// The request's device from its `Cookie` header (several headers joined with `"; "`).
    pub fn read(&self, cookie_header: Option<&str>) -> DeviceRead {
        if !self.is_enabled() {
            return DeviceRead::default();
        }
        if let Some(id) = cookie_header.and_then(|h| self.find(h)) {
            return DeviceRead {
                device: Some(id),
                set_cookie: None,
            };
        }
        let id = DeviceId::random();
        DeviceRead {
            device: Some(id),
            set_cookie: Some(self.set_cookie(id)),
        }
    }

    /// The device of a valid cookie in `header`, issuing none (see `Edge::device_for`).
    pub fn known(&self, header: &str) -> Option<DeviceId> {
        if !self.is_enabled() {
            return None;
        }
        self.find(header)
    }

    /// The one cookie of our name, verified. Two of them (one planted from a sibling
    /// subdomain, say) and neither is believed.
    fn find(&self, header: &str) -> Option<DeviceId> {
        let mut found = None;
        for cookie in Cookie::split_parse(header).flatten() {
            if cookie.name() == self.name {
                if found.is_some() {
                    return None;
                }
                found = Some(self.verify(cookie.value()));
            }
        }
        found.flatten()
    }

    /// The device a cookie value names, if its tag is ours (compared in constant time).
    pub fn verify(&self, value: &str) -> Option<DeviceId> {
        let (id, tag) = value.strip_prefix(PREFIX)?.split_once('.')?;
        let device: DeviceId = id.parse().ok()?;
        // Canonical base64url only (no padding, zero trailing bits): one spelling per tag.
        let tag = BASE64URL_NOPAD.decode(tag.as_bytes()).ok()?;
        if tag.len() != TAG_BYTES {
            return None;
        }
        self.key().tag(id).verify_truncated_left(&tag).ok()?;
        Some(device)
    }

    /// The signed cookie value for `id`.
    pub fn value(&self, id: DeviceId) -> String {
        let id = id.to_string();
        let tag = self.key().tag(&id).finalize().into_bytes();
        format!("{PREFIX}{id}.{}", BASE64URL_NOPAD.encode(&tag[..TAG_BYTES]))
    }

    /// The `Set-Cookie` header value that gives the browser `id`.
    pub fn set_cookie(&self, id: DeviceId) -> String {
        format!(
            "{}={}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax{}",
            self.name,
            self.value(id),
            self.max_age_s,
            if self.secure { "; Secure" } else { "" }
        )
    }
}

/// RFC 9110 `tchar`, what RFC 6265 allows in a cookie name.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests;
