//! The JVM's three hot calls (`trackLogin`, `trackSignup`, `identify`) without uniffi's
//! per-call JNA structures.
//!
//! Measured (docs/jvm.md, "Performance"): each uniffi call from the generated Kotlin allocates
//! a JNA `Structure` for its call status, and each list or string argument another one and a
//! native call to allocate its buffer; JNA registers every one in a global map and a cleaner,
//! so a `trackLogin` cost about 33 µs and a million calls left gigabytes of native memory
//! waiting for the cleaner. These entry points take only primitives and one UTF-8 byte array
//! (JNA direct mapping copies it on the stack side, no `Structure`), and answer an `int`:
//! `1`/`0` for the call's result, [`FALLBACK`] when the JVM must make the same call through
//! uniffi instead, which raises the typed error (the call recorded nothing, so repeating it is
//! exact). Everything else stays on uniffi.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use smallvec::SmallVec;
use vigil_core::Client;

use crate::client::with;
use crate::errors::Result;
use crate::request::Request;

/// Answer the call through uniffi: bad input (for its typed error), a panic, or an id list this
/// encoding cannot carry.
pub const FALLBACK: i32 = -1;

/// The request a raw reference names: 0 is the detached request.
///
/// # Safety
/// `raw` is 0 or a value of `Request::raw` not yet released (the JVM keeps it for as long as
/// the request is bound to the calling thread).
unsafe fn request<'a>(raw: i64) -> &'a Request {
    if raw == 0 {
        Request::detached_ref()
    } else {
        &*(raw as *const Request)
    }
}

/// Runs one hot call on the identifiers of `ids` (`key NUL value NUL ...`, UTF-8, `len` bytes).
fn hot(
    ids: *const u8,
    len: i32,
    call: impl FnOnce(&Client, &[(&str, &str)]) -> Result<bool>,
) -> i32 {
    let run = || -> Option<i32> {
        let len = usize::try_from(len).ok()?;
        if ids.is_null() {
            return None;
        }
        // SAFETY: JNA passes a copy of the Java byte array, `len` bytes long, alive for the call.
        let bytes = unsafe { std::slice::from_raw_parts(ids, len) };
        let text = std::str::from_utf8(bytes).ok()?;
        let mut parts = text.split('\0');
        let mut pairs: SmallVec<[(&str, &str); 4]> = SmallVec::new();
        while let Some(k) = parts.next() {
            pairs.push((k, parts.next()?));
        }
        with(|client| call(client, &pairs)).ok().map(i32::from)
    };
    catch_unwind(AssertUnwindSafe(run))
        .ok()
        .flatten()
        .unwrap_or(FALLBACK)
}

/// # Safety
/// `request` as for [`request`]; `ids` points to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn vigil_jvm_auth_track(
    request: i64,
    success: i8,
    exists: i8,
    ids: *const u8,
    len: i32,
) -> i32 {
    let r = self::request(request);
    hot(ids, len, |c, p| r.auth_in(c, success != 0, exists, p))
}

/// # Safety
/// As for [`vigil_jvm_auth_track`].
#[no_mangle]
pub unsafe extern "C" fn vigil_jvm_signup_track(request: i64, ids: *const u8, len: i32) -> i32 {
    let r = self::request(request);
    hot(ids, len, |c, p| r.signup_in(c, p))
}

/// `1` when the user (on this request's device) or the request's IP is blocked.
///
/// # Safety
/// As for [`vigil_jvm_auth_track`].
#[no_mangle]
pub unsafe extern "C" fn vigil_jvm_identify(request: i64, ids: *const u8, len: i32) -> i32 {
    let r = self::request(request);
    hot(ids, len, |c, p| r.identify_in(c, p))
}

/// Gives back a reference `Request::raw` handed out.
///
/// # Safety
/// `request` is a value of `Request::raw`, released once.
#[no_mangle]
pub unsafe extern "C" fn vigil_jvm_request_release(request: i64) {
    if request != 0 {
        let _ = catch_unwind(|| drop(Arc::from_raw(request as *const Request)));
    }
}
