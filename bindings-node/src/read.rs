//! Reading identifier and property pairs (flattened by `lib/ids.js`) with raw napi calls: every
//! string is copied once into one stack buffer and borrowed from there by the core.

use std::ptr;

use napi::sys::{self, napi_value, ValueType};
use napi::{Env, Result};
use smallvec::SmallVec;
use vigil_core::event::MAX_PROPERTIES;
use vigil_core::identity::MAX_PAIRS;
use vigil_core::{Client, Error as CoreError, Identity, Properties, PropertyValue};

use crate::errors::{self, check};
use crate::raw::Call;

/// Strings packed back to back; a few short identifiers never touch the heap.
type Buf = SmallVec<[u8; 512]>;
type Span = (usize, usize);

/// Copies the JS string `value` as UTF-8 to the end of `buf`; `None` when it is not a string.
/// Usually one napi call: the length is asked for only when the string may have been cut.
unsafe fn read_string(env: &Env, value: napi_value, buf: &mut Buf) -> Result<Option<Span>> {
    let start = buf.len();
    buf.reserve(128);
    let spare = buf.capacity() - start;
    let mut written = 0usize;
    let dst = buf.as_mut_ptr().add(start).cast();
    let status = sys::napi_get_value_string_utf8(env.raw(), value, dst, spare, &mut written);
    if status == sys::Status::napi_string_expected {
        return Ok(None);
    }
    check(env, status, "reading a string")?;
    // napi writes whole characters and then a NUL: a string within one 4-byte character of
    // the end may have been cut short.
    if written + 5 > spare {
        let mut len = 0usize;
        let status =
            sys::napi_get_value_string_utf8(env.raw(), value, ptr::null_mut(), 0, &mut len);
        check(env, status, "measuring a string")?;
        buf.reserve(len + 1);
        let dst = buf.as_mut_ptr().add(start).cast();
        let status = sys::napi_get_value_string_utf8(env.raw(), value, dst, len + 1, &mut written);
        check(env, status, "reading a string")?;
    }
    buf.set_len(start + written);
    Ok(Some((start, start + written)))
}

fn text(buf: &Buf, (a, b): Span) -> &str {
    // napi emits valid UTF-8 (a lone surrogate becomes U+FFFD) and never cuts a character.
    std::str::from_utf8(&buf[a..b]).unwrap_or("\u{FFFD}")
}

/// A string argument, owned (event names, request fields); `None` when absent.
pub(crate) fn opt_string(call: &Call, v: napi_value, what: &str) -> Result<Option<String>> {
    if call.is_nullish(v)? {
        return Ok(None);
    }
    let mut buf = Buf::new();
    // SAFETY: `v` is an argument of this call.
    match unsafe { read_string(&call.env, v, &mut buf)? } {
        Some(span) => Ok(Some(text(&buf, span).to_owned())),
        None => Err(errors::type_error(
            &call.env,
            &format!("{what} must be a string"),
        )),
    }
}

/// Reads `[key, value, ...]` identifier pairs and lends them to `f`. A value that is not a
/// string is a `TypeError` naming its key.
pub(crate) fn with_pairs<R>(
    env: &Env,
    flat: &[napi_value],
    count: usize,
    f: impl FnOnce(&[(&str, &str)]) -> R,
) -> Result<R> {
    if count > MAX_PAIRS {
        let e = CoreError::TooManyIdentifiers {
            count,
            max: MAX_PAIRS,
        };
        return Err(errors::core(env, e));
    }
    let mut buf = Buf::new();
    let mut spans: SmallVec<[(Span, Span); MAX_PAIRS]> = SmallVec::new();
    for pair in flat.chunks_exact(2) {
        // SAFETY: the values are arguments of the current call.
        let key = unsafe { read_string(env, pair[0], &mut buf)? }
            .ok_or_else(|| errors::type_error(env, "identifier keys must be strings"))?;
        let Some(value) = (unsafe { read_string(env, pair[1], &mut buf)? }) else {
            let message = format!(
                "the value of user identifier {:?} must be a string",
                text(&buf, key)
            );
            return Err(errors::type_error(env, &message));
        };
        spans.push((key, value));
    }
    let pairs: SmallVec<[(&str, &str); MAX_PAIRS]> = spans
        .iter()
        .map(|&(k, v)| (text(&buf, k), text(&buf, v)))
        .collect();
    Ok(f(&pairs))
}

/// The call's trailing pairs as an identity under the client's PII settings.
pub(crate) fn identity(call: &Call, client: &Client) -> Result<Identity> {
    identity_by(call, |pairs| client.identity(pairs))
}

/// The call's trailing pairs as an identity under any identity rules.
pub(crate) fn identity_by(
    call: &Call,
    rules: impl FnOnce(&[(&str, &str)]) -> vigil_core::Result<Identity>,
) -> Result<Identity> {
    let (flat, count) = call.pairs();
    with_pairs(&call.env, flat, count, rules)?.map_err(|e| errors::core(&call.env, e))
}

/// Identifiers from a JS array `[key, value, ...]` (the second map of `alias`, the user of
/// `track`); not a per-login path.
pub(crate) fn identity_from_array(
    call: &Call,
    array: napi_value,
    client: &Client,
) -> Result<Identity> {
    let env = &call.env;
    let mut len = 0u32;
    // SAFETY: `array` is an argument of this call; its elements live in the call's scope.
    unsafe {
        let status = sys::napi_get_array_length(env.raw(), array, &mut len);
        if status != sys::Status::napi_ok {
            return Err(errors::type_error(
                env,
                "user identifiers must be an object of strings",
            ));
        }
        let mut flat: SmallVec<[napi_value; 2 * MAX_PAIRS]> = SmallVec::new();
        for i in 0..len.min(2 * MAX_PAIRS as u32) {
            let mut v = ptr::null_mut();
            check(
                env,
                sys::napi_get_element(env.raw(), array, i, &mut v),
                "element",
            )?;
            flat.push(v);
        }
        with_pairs(env, &flat, len as usize / 2, |pairs| client.identity(pairs))?
            .map_err(|e| errors::core(env, e))
    }
}

/// Reads `[name, value, ...]` event properties; values are strings, numbers or booleans.
pub(crate) fn properties(call: &Call, flat: &[napi_value], count: usize) -> Result<Properties> {
    let env = &call.env;
    if count > MAX_PROPERTIES {
        let e = CoreError::TooManyProperties {
            count,
            max: MAX_PROPERTIES,
        };
        return Err(errors::core(env, e));
    }
    let mut out = Properties::new();
    let mut buf = Buf::new();
    for pair in flat.chunks_exact(2) {
        buf.clear();
        // SAFETY: the values are arguments of the current call, type-checked before reading.
        let key = unsafe { read_string(env, pair[0], &mut buf)? }
            .ok_or_else(|| errors::type_error(env, "property names must be strings"))?;
        let value = match call.type_of(pair[1])? {
            ValueType::napi_string => {
                let s = unsafe { read_string(env, pair[1], &mut buf)? }.unwrap_or_default();
                PropertyValue::Str(text(&buf, s).to_owned())
            }
            ValueType::napi_number => {
                PropertyValue::Num(call.opt_number(pair[1], "")?.unwrap_or(0.0))
            }
            ValueType::napi_boolean => {
                PropertyValue::Bool(call.opt_bool(pair[1], "")?.unwrap_or(false))
            }
            _ => {
                let message = format!(
                    "property {:?} must be a string, number or boolean",
                    text(&buf, key)
                );
                return Err(errors::type_error(env, &message));
            }
        };
        out.insert(text(&buf, key), value)
            .map_err(|e| errors::core(env, e))?;
    }
    Ok(out)
}

/// Identifiers with their own pseudonymization settings (`normalize` with a secret).
pub(crate) fn identity_with(
    call: &Call,
    pseudonymizer: Option<&vigil_core::pseudonym::Pseudonymizer>,
) -> Result<Identity> {
    let (flat, count) = call.pairs();
    with_pairs(&call.env, flat, count, |pairs| {
        Identity::new(pairs, pseudonymizer)
    })?
    .map_err(|e| errors::core(&call.env, e))
}
