//! Normalization of identifier keys and values (docs/identity.md). Every step borrows when it
//! changes nothing, which is the common case: most identifiers are already trimmed ASCII.

use std::borrow::Cow;

use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

use crate::error::{Error, Result};
use crate::identity::EMAIL_KEYS;
use crate::limits::{MAX_KEY_BYTES, MAX_VALUE_BYTES};

/// What one pass over an all-ASCII string tells us; `None` for other strings (the slow path).
pub(crate) struct AsciiScan {
    control: bool,
    upper: bool,
}

#[inline]
pub(crate) fn scan_ascii(s: &str) -> Option<AsciiScan> {
    let (mut non_ascii, mut control, mut upper) = (false, false, false);
    for &b in s.as_bytes() {
        non_ascii |= b >= 0x80;
        control |= b < 0x20 || b == 0x7f;
        upper |= b.is_ascii_uppercase();
    }
    (!non_ascii).then_some(AsciiScan { control, upper })
}

pub(crate) fn has_control(s: &str, scan: &Option<AsciiScan>) -> bool {
    match scan {
        Some(a) => a.control,
        None => s.chars().any(char::is_control),
    }
}

pub(crate) fn normalize_key(raw: &str) -> Result<Cow<'_, str>> {
    normalize_key_scanned(raw, &scan_ascii(raw))
}

pub(crate) fn normalize_key_scanned<'a>(
    raw: &'a str,
    scan: &Option<AsciiScan>,
) -> Result<Cow<'a, str>> {
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

pub(crate) fn normalize_value<'a>(
    key: &str,
    raw: &'a str,
    scan: &Option<AsciiScan>,
) -> Result<Cow<'a, str>> {
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
