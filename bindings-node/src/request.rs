//! The native side of one HTTP request: its context (client IP after the trusted-proxy rules,
//! device from the signed device cookie, user agent, method, path), parsed once, and the user
//! `identify` attached to it. JS holds it as a type-tagged External, so reading it back is two
//! napi calls and no lookup.

use std::cell::Cell;
use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};

use napi::sys::{self, napi_env, napi_type_tag, napi_value};
use napi::Result;
use std::sync::Arc;

use vigil_core::{Client, RequestContext, UserKey};

use crate::errors::{self, check};
use crate::raw::Call;
use crate::read::opt_string;

pub(crate) struct NativeRequest {
    pub ctx: RequestContext,
    /// Set by `identify`; the ban check looks at this user before the IP-to-user fallback.
    pub user: Cell<Option<UserKey>>,
    /// The `Set-Cookie` header value of a fresh device, for the middleware to send.
    pub set_cookie: Option<String>,
    /// The client when the request began, and its generation: the ban checks of the request
    /// use it while it is still the process's client, with no lookup.
    client: Arc<Client>,
    generation: u64,
}

impl NativeRequest {
    /// Runs `f` on the client of this request, or on the process's current one if it changed.
    #[inline]
    pub fn with_client<R>(&self, call: &Call, f: impl FnOnce(&Client) -> Result<R>) -> Result<R> {
        if self.generation == crate::client::generation() {
            f(&self.client)
        } else {
            crate::client::with_client(&call.env, f)
        }
    }
}

/// Marks Externals made here, so one from another addon is refused rather than misread.
static TAG: napi_type_tag = napi_type_tag {
    lower: 0x7669_6769_6c2d_7265,
    upper: 0x7175_6573_7400_0001,
};
/// Node versions that cannot tag Externals: the JS layer keeps them private instead.
static UNTAGGED: AtomicBool = AtomicBool::new(false);

unsafe extern "C" fn finalize(_env: napi_env, data: *mut c_void, _hint: *mut c_void) {
    drop(Box::from_raw(data.cast::<NativeRequest>()));
}

/// `createRequest(peer, forwarded, userAgent, method, path, cookie, freshDevice)`: the client
/// IP is the core's answer for the socket's peer address and the lines of the client's
/// `client_ip_header` (joined with commas, which its rules read as the same list); the device
/// is the core's reading of the `Cookie` header: the signed cookie's, else a fresh one whose
/// `Set-Cookie` the middleware sends. Without `freshDevice` (no middleware to send it) a
/// request with no valid cookie gets no device, rather than a new one on every request.
pub(crate) fn create(call: &Call) -> Result<napi_value> {
    let peer = opt_string(call, call.arg(0), "peer")?;
    let forwarded = opt_string(call, call.arg(1), "forwarded")?;
    let ua = opt_string(call, call.arg(2), "user agent")?;
    let method = opt_string(call, call.arg(3), "method")?;
    let path = opt_string(call, call.arg(4), "path")?;
    let cookie = opt_string(call, call.arg(5), "cookie")?;
    let fresh_device = call.opt_bool(call.arg(6), "freshDevice")?.unwrap_or(false);
    let (generation, client) = crate::client::current(&call.env)?;
    let edge = client.edge();
    let ip = edge.client_ip(peer.as_deref(), forwarded.as_deref());
    let read = edge.device_for(cookie.as_deref(), fresh_device);
    let (ua, method, path) = (ua.as_deref(), method.as_deref(), path.as_deref());
    let mut ctx = RequestContext::from_parts(None, ua, method, path).unwrap_or_default();
    ctx.ip = ip;
    ctx.device = read.device;
    let set_cookie = read.set_cookie;
    let data = Box::into_raw(Box::new(NativeRequest {
        ctx,
        user: Cell::new(None),
        set_cookie,
        client,
        generation,
    }));
    let env = &call.env;
    let mut v = ptr::null_mut();
    // SAFETY: the External owns `data` and frees it in `finalize`, on the JS thread.
    unsafe {
        let status = sys::napi_create_external(
            env.raw(),
            data.cast(),
            Some(finalize),
            ptr::null_mut(),
            &mut v,
        );
        if status != sys::Status::napi_ok {
            drop(Box::from_raw(data));
            check(env, status, "creating a request")?;
        }
        if sys::napi_type_tag_object(env.raw(), v, &TAG) != sys::Status::napi_ok {
            UNTAGGED.store(true, Ordering::Relaxed);
        }
    }
    Ok(v)
}

/// The request behind argument `v`, or `None` for `undefined`/`null`.
pub(crate) fn get(call: &Call, v: napi_value) -> Result<Option<&NativeRequest>> {
    if call.is_nullish(v)? {
        return Ok(None);
    }
    let env = &call.env;
    let not_ours = || errors::type_error(env, "req must be a request seen by Vigil");
    // SAFETY: a tagged External always carries a live `NativeRequest` (freed only when the
    // External is collected, which cannot happen while it is an argument of this call).
    unsafe {
        if !UNTAGGED.load(Ordering::Relaxed) {
            let mut ours = false;
            if sys::napi_check_object_type_tag(env.raw(), v, &TAG, &mut ours)
                != sys::Status::napi_ok
                || !ours
            {
                return Err(not_ours());
            }
        }
        let mut data = ptr::null_mut();
        if sys::napi_get_value_external(env.raw(), v, &mut data) != sys::Status::napi_ok
            || data.is_null()
        {
            return Err(not_ours());
        }
        Ok(Some(&*data.cast::<NativeRequest>()))
    }
}

pub(crate) fn context(req: Option<&NativeRequest>) -> Option<RequestContext> {
    req.map(|r| r.ctx.clone())
}
