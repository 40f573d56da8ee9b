//! Identity normalization as JSON (for tools and tests), strings handed to C, and the version.

use std::ffi::{c_char, CStr, CString};

use vigil_core::Identity;

use crate::client::{client_ref, vigil_client};
use crate::status::{
    guard, Failure, VIGIL_ERR_INVALID_JSON, VIGIL_ERR_INVALID_UTF8, VIGIL_ERR_NULL_ARGUMENT,
    VIGIL_OK,
};

/// Hands `s` to C through `*out` (free with `vigil_string_free`).
pub(crate) unsafe fn out_string(out: *mut *mut c_char, s: String) -> Result<i32, Failure> {
    if out.is_null() {
        return Err(Failure::new(VIGIL_ERR_NULL_ARGUMENT, "out is NULL"));
    }
    *out = CString::new(s)
        .map_err(|_| Failure::new(VIGIL_ERR_INVALID_JSON, "result contains a NUL byte"))?
        .into_raw();
    Ok(VIGIL_OK)
}

unsafe fn normalize(
    ids_json: *const c_char,
    out_json: *mut *mut c_char,
    client: Option<&vigil_core::Client>,
) -> Result<i32, Failure> {
    if ids_json.is_null() {
        return Err(Failure::new(VIGIL_ERR_NULL_ARGUMENT, "ids_json is NULL"));
    }
    let text = CStr::from_ptr(ids_json)
        .to_str()
        .map_err(|_| Failure::new(VIGIL_ERR_INVALID_UTF8, "ids_json is not valid UTF-8"))?;
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| Failure::new(VIGIL_ERR_INVALID_JSON, format!("ids_json: {e}")))?;
    let object = value
        .as_object()
        .ok_or_else(|| Failure::new(VIGIL_ERR_INVALID_JSON, "ids_json must be a JSON object"))?;
    let pairs: Vec<(&str, &str)> = object
        .iter()
        .map(|(k, v)| {
            v.as_str().map(|s| (k.as_str(), s)).ok_or_else(|| {
                Failure::new(
                    VIGIL_ERR_INVALID_JSON,
                    format!("identifier {k:?} must be a string"),
                )
            })
        })
        .collect::<Result<_, _>>()?;
    let id = match client {
        Some(c) => c.identity(&pairs)?,
        None => Identity::new(&pairs, None)?,
    };
    let ids: serde_json::Map<String, serde_json::Value> = id
        .pairs()
        .map(|(k, v)| (k.to_owned(), serde_json::Value::String(v.to_owned())))
        .collect();
    let json =
        serde_json::json!({"ids": ids, "primary": id.primary_key(), "key": id.key().to_string()});
    out_string(out_json, json.to_string())
}

/// Normalizes a JSON object of identifiers (`{"Email": " Alice@Example.com "}`) and writes
/// `{"ids": {...}, "primary": "email", "key": "u_..."}` to `*out_json` (free with
/// `vigil_string_free`). Returns 0, or a negative status with the message in
/// `vigil_last_error()`. Note: a JSON object cannot hold two equal keys; use the pair-based
/// functions to pass keys that only normalization makes equal.
#[no_mangle]
pub unsafe extern "C" fn vigil_normalize_json(
    ids_json: *const c_char,
    out_json: *mut *mut c_char,
) -> i32 {
    guard(|| normalize(ids_json, out_json, None))
}

/// Like `vigil_normalize_json`, under a client's settings (pseudonymization when configured).
#[no_mangle]
pub unsafe extern "C" fn vigil_client_normalize_json(
    client: *const vigil_client,
    ids_json: *const c_char,
    out_json: *mut *mut c_char,
) -> i32 {
    guard(|| normalize(ids_json, out_json, Some(client_ref(client)?)))
}

/// Frees a string returned by Vigil. NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn vigil_string_free(s: *mut c_char) {
    guard(|| {
        if !s.is_null() {
            drop(CString::from_raw(s));
        }
        Ok(VIGIL_OK)
    });
}

/// The library version, e.g. "0.1.0" (static storage).
#[no_mangle]
pub extern "C" fn vigil_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}
