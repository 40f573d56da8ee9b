//! The C structs of the ABI and their conversion to core types.

use std::ffi::c_char;
use std::net::IpAddr;

use smallvec::SmallVec;
use vigil_core::identity::MAX_PAIRS;
use vigil_core::{Decision, DeviceId, Error, RequestContext};

use crate::status::{
    Failure, VIGIL_ERR_INVALID_ARGUMENT, VIGIL_ERR_INVALID_UTF8, VIGIL_ERR_NULL_ARGUMENT,
};

/// A UTF-8 string slice: `ptr` need not be NUL-terminated. `{NULL, 0}` means "absent".
#[repr(C)]
#[derive(Clone, Copy)]
pub struct vigil_str {
    pub ptr: *const c_char,
    pub len: usize,
}

/// One identifier: key and value.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct vigil_pair {
    pub key: vigil_str,
    pub value: vigil_str,
}

/// The request a call happened in; any field may be absent. `ip` is the client IP after the
/// caller's trusted-proxy rules.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct vigil_request {
    pub ip: vigil_str,
    pub user_agent: vigil_str,
    pub method: vigil_str,
    pub path: vigil_str,
}

/// `vigil_property.kind`: the value is `string`.
pub const VIGIL_PROPERTY_STRING: i32 = 0;
/// `vigil_property.kind`: the value is `number` (finite).
pub const VIGIL_PROPERTY_NUMBER: i32 = 1;
/// `vigil_property.kind`: the value is `boolean`.
pub const VIGIL_PROPERTY_BOOL: i32 = 2;

/// One property of a custom event; `kind` says which value field is used.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct vigil_property {
    pub key: vigil_str,
    pub kind: i32,
    pub string: vigil_str,
    pub number: f64,
    pub boolean: bool,
}

/// `vigil_decision.action`: block the request.
pub const VIGIL_ACTION_BLOCK: i32 = 1;
/// `vigil_decision.action`: redirect the request to `redirect_url`.
pub const VIGIL_ACTION_REDIRECT: i32 = 2;
/// `vigil_decision.action`: ask the user to prove who they are (only `vigil_assess` gives it).
pub const VIGIL_ACTION_CHALLENGE: i32 = 3;
/// `vigil_decision.scope`: a user.
pub const VIGIL_SCOPE_USER: i32 = 1;
/// `vigil_decision.scope`: one IP address.
pub const VIGIL_SCOPE_IP: i32 = 2;
/// `vigil_decision.scope`: a network.
pub const VIGIL_SCOPE_CIDR: i32 = 3;

/// A decision copied out for the caller. Strings are NUL-terminated and truncated to fit.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct vigil_decision {
    pub action: i32,
    pub scope: i32,
    /// Unix milliseconds; 0 means the decision does not expire.
    pub expires_at_ms: i64,
    pub id: [c_char; 64],
    pub reason: [c_char; 256],
    pub redirect_url: [c_char; 512],
}

impl vigil_str {
    pub(crate) const ABSENT: vigil_str = vigil_str {
        ptr: std::ptr::null(),
        len: 0,
    };

    /// A view of `s` for the caller to read (valid while `s` lives).
    pub(crate) fn from_str(s: &str) -> vigil_str {
        vigil_str {
            ptr: s.as_ptr().cast(),
            len: s.len(),
        }
    }

    /// The string, `None` when absent. The caller guarantees `ptr` is valid for `len` bytes.
    pub(crate) unsafe fn get<'a>(self, what: &'static str) -> Result<Option<&'a str>, Failure> {
        if self.ptr.is_null() {
            if self.len == 0 {
                return Ok(None);
            }
            return Err(Failure::new(
                VIGIL_ERR_NULL_ARGUMENT,
                format!("{what}: NULL pointer with length {}", self.len),
            ));
        }
        if self.len > isize::MAX as usize {
            return Err(Failure::new(
                VIGIL_ERR_INVALID_ARGUMENT,
                format!("{what}: length {} is not a length", self.len),
            ));
        }
        let bytes = std::slice::from_raw_parts(self.ptr.cast::<u8>(), self.len);
        std::str::from_utf8(bytes)
            .map(Some)
            .map_err(|_| Failure::new(VIGIL_ERR_INVALID_UTF8, format!("{what} is not valid UTF-8")))
    }

    /// Like `get`, but an absent string is an empty one (identifiers: the core then says why).
    pub(crate) unsafe fn get_or_empty<'a>(self, what: &'static str) -> Result<&'a str, Failure> {
        Ok(self.get(what)?.unwrap_or(""))
    }
}

/// `n` items from C; more than `max` (however large `n` is) or a NULL `ptr` with items to
/// read is a status, never a slice.
pub(crate) unsafe fn slice_of<'a, T>(
    ptr: *const T,
    n: usize,
    max: usize,
    what: &'static str,
) -> Result<&'a [T], Failure> {
    if n > max {
        return Err(Failure::new(
            VIGIL_ERR_INVALID_ARGUMENT,
            format!("{what}: at most {max}, got {n}"),
        ));
    }
    if n == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(Failure::new(
            VIGIL_ERR_NULL_ARGUMENT,
            format!("{what} is NULL"),
        ));
    }
    Ok(std::slice::from_raw_parts(ptr, n))
}

/// An optional client IP (absent or empty: none).
pub(crate) unsafe fn read_ip(ip: vigil_str) -> Result<Option<IpAddr>, Failure> {
    match ip.get("ip")? {
        Some(s) if !s.is_empty() => Ok(Some(vigil_core::event::parse_ip(s)?)),
        _ => Ok(None),
    }
}

/// A device id as `vigil_edge_device` writes it (32 lower-case hex digits); absent: none.
pub(crate) unsafe fn read_device(device: vigil_str) -> Result<Option<DeviceId>, Failure> {
    match device.get("device")? {
        None | Some("") => Ok(None),
        Some(text) => text.parse().map(Some).map_err(|()| {
            Failure::new(
                VIGIL_ERR_INVALID_ARGUMENT,
                "device must be 32 lower-case hex digits (as vigil_edge_device writes it)",
            )
        }),
    }
}

pub(crate) type Pairs<'a> = SmallVec<[(&'a str, &'a str); 4]>;

/// Reads `n` identifier pairs. More than 16 is refused before reading any of them.
pub(crate) unsafe fn read_pairs<'a>(
    ids: *const vigil_pair,
    n: usize,
) -> Result<Pairs<'a>, Failure> {
    if n > MAX_PAIRS {
        return Err(Error::TooManyIdentifiers {
            count: n,
            max: MAX_PAIRS,
        }
        .into());
    }
    slice_of(ids, n, MAX_PAIRS, "ids")?
        .iter()
        .map(|p| {
            Ok((
                p.key.get_or_empty("identifier key")?,
                p.value.get_or_empty("identifier value")?,
            ))
        })
        .collect()
}

/// Reads an optional request context and the request's device (either may be absent).
pub(crate) unsafe fn read_request_on(
    req: *const vigil_request,
    device: vigil_str,
) -> Result<Option<RequestContext>, Failure> {
    let device = read_device(device)?;
    let Some(r) = req.as_ref() else {
        return Ok(device.map(|d| RequestContext {
            device: Some(d),
            ..RequestContext::default()
        }));
    };
    let ctx = RequestContext::from_parts(
        r.ip.get("request ip")?,
        r.user_agent.get("request user agent")?,
        r.method.get("request method")?,
        r.path.get("request path")?,
    )?;
    Ok(Some(RequestContext { device, ..ctx }))
}

fn copy_into(dst: &mut [c_char], src: &str) {
    let mut n = src.len().min(dst.len() - 1);
    while !src.is_char_boundary(n) {
        n -= 1;
    }
    for (d, s) in dst.iter_mut().zip(&src.as_bytes()[..n]) {
        *d = *s as c_char;
    }
    dst[n] = 0;
}

impl vigil_decision {
    pub(crate) fn write(out: *mut vigil_decision, d: &Decision) {
        // SAFETY: the caller passes either NULL or a valid, writable vigil_decision.
        let Some(out) = (unsafe { out.as_mut() }) else {
            return;
        };
        out.action = match d.action {
            vigil_core::Action::Block => VIGIL_ACTION_BLOCK,
            vigil_core::Action::Redirect { .. } => VIGIL_ACTION_REDIRECT,
            vigil_core::Action::Challenge => VIGIL_ACTION_CHALLENGE,
        };
        out.scope = match d.target {
            vigil_core::Target::User(_) => VIGIL_SCOPE_USER,
            vigil_core::Target::Ip(_) => VIGIL_SCOPE_IP,
            vigil_core::Target::Cidr(_) => VIGIL_SCOPE_CIDR,
        };
        out.expires_at_ms = d.expires_at_ms.unwrap_or(0);
        copy_into(&mut out.id, &d.id);
        copy_into(&mut out.reason, &d.reason);
        let url = match &d.action {
            vigil_core::Action::Redirect { url } => url.as_str(),
            vigil_core::Action::Block | vigil_core::Action::Challenge => "",
        };
        copy_into(&mut out.redirect_url, url);
    }
}
