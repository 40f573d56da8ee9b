//! The device cookie: which device a request comes from, read once per request by a C or Go
//! middleware, which then passes the device to `vigil_assess` and `vigil_challenge_track`.

use std::ffi::c_char;

use crate::edge::{edge_ref, vigil_edge};
use crate::normalize::out_string;
use crate::status::{guard, Failure, VIGIL_ERR_NULL_ARGUMENT, VIGIL_OK};
use crate::types::vigil_str;

/// Room `vigil_edge_device` needs for a device id (32 hex digits) and its NUL.
pub const VIGIL_DEVICE_TEXT_MAX: usize = 33;

/// The request's device from its `Cookie` header (several headers joined with `"; "`; may be
/// absent). Writes the id (32 lower-case hex digits and a NUL) into `out_device`, which has
/// room for `VIGIL_DEVICE_TEXT_MAX` bytes, and into `*out_set_cookie` either NULL (the cookie
/// was valid) or the whole `Set-Cookie` header value to send with the response (a fresh
/// device; free it with `vigil_string_free`). With the device cookie disabled
/// (`device_cookie = ""`), `out_device` is `""` and `*out_set_cookie` NULL.
#[no_mangle]
pub unsafe extern "C" fn vigil_edge_device(
    edge: *const vigil_edge,
    cookie_header: vigil_str,
    out_device: *mut c_char,
    out_set_cookie: *mut *mut c_char,
) -> i32 {
    guard(|| {
        let edge = edge_ref(edge)?;
        if out_device.is_null() {
            return Err(Failure::new(VIGIL_ERR_NULL_ARGUMENT, "out_device is NULL"));
        }
        if out_set_cookie.is_null() {
            return Err(Failure::new(
                VIGIL_ERR_NULL_ARGUMENT,
                "out_set_cookie is NULL",
            ));
        }
        let read = edge.edge.device(cookie_header.get("cookie header")?);
        let text = read.device.map(|d| d.to_string()).unwrap_or_default();
        std::ptr::copy_nonoverlapping(text.as_ptr().cast::<c_char>(), out_device, text.len());
        *out_device.add(text.len()) = 0;
        *out_set_cookie = std::ptr::null_mut();
        if let Some(header) = read.set_cookie {
            out_string(out_set_cookie, header)?;
        }
        Ok(VIGIL_OK)
    })
}
