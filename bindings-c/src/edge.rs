//! The HTTP edge: the client IP behind proxies and the block response, from the core's policy,
//! so a C or Go middleware only reads its request and writes what it is given.

use std::ffi::{c_char, CString};

use vigil_core::edge::{DecisionView, Response};
use vigil_core::{Edge, Error};

use crate::client::{client_ref, vigil_client};
use crate::status::{
    guard, Failure, VIGIL_ERR_INVALID_ARGUMENT, VIGIL_ERR_NULL_ARGUMENT, VIGIL_OK,
};
use crate::types::{
    read_pairs, slice_of, vigil_decision, vigil_pair, vigil_str, VIGIL_ACTION_REDIRECT,
};

/// `vigil_client_ip` found no client IP: the peer is absent or not an address.
pub const VIGIL_NO_CLIENT_IP: i32 = 3;
/// Room `vigil_client_ip` needs for any address and its NUL.
pub const VIGIL_IP_TEXT_MAX: usize = 46;
/// Most header lines `vigil_client_ip` reads.
pub const VIGIL_MAX_HEADER_LINES: usize = 1024;

/// An opaque edge policy: client-IP rules and the block response. Immutable, thread-safe.
pub struct vigil_edge {
    pub(crate) edge: Edge,
    header: CString,
}

/// A rendered response, owned by Vigil until `vigil_response_free`. Header names and values
/// are UTF-8 slices; `body` may be empty.
#[repr(C)]
pub struct vigil_response {
    pub status: i32,
    pub headers: *const vigil_pair,
    pub n_headers: usize,
    pub body: *const u8,
    pub body_len: usize,
    /// Vigil's own storage; do not touch.
    pub _owner: *mut std::ffi::c_void,
}

struct Owned {
    response: Response,
    pairs: Vec<vigil_pair>,
}

pub(crate) unsafe fn edge_ref<'a>(edge: *const vigil_edge) -> Result<&'a vigil_edge, Failure> {
    edge.as_ref()
        .ok_or_else(|| Failure::new(VIGIL_ERR_NULL_ARGUMENT, "edge is NULL"))
}

/// Creates the edge policy of `client`'s configuration (NULL: the defaults) with `options`
/// (edge options only: `trusted_proxies`, `client_ip_header`, `block_status`...) applied over
/// it. Free `*out` with `vigil_edge_free`.
#[no_mangle]
pub unsafe extern "C" fn vigil_edge_new(
    client: *const vigil_client,
    options: *const vigil_pair,
    n_options: usize,
    out: *mut *mut vigil_edge,
) -> i32 {
    guard(|| {
        if out.is_null() {
            return Err(Failure::new(VIGIL_ERR_NULL_ARGUMENT, "out is NULL"));
        }
        let mut edge = if client.is_null() {
            Edge::default()
        } else {
            client_ref(client)?.edge().clone()
        };
        for (k, v) in read_pairs(options, n_options)? {
            if !edge.set(k, v)? {
                return Err(Error::Config(format!("{k:?} is not an edge option")).into());
            }
        }
        edge.validate()?;
        let header = CString::new(edge.client_ip_header()).expect("a header name has no NUL");
        *out = Box::into_raw(Box::new(vigil_edge { edge, header }));
        Ok(VIGIL_OK)
    })
}

/// Frees an edge policy (NULL is ignored).
#[no_mangle]
pub unsafe extern "C" fn vigil_edge_free(edge: *mut vigil_edge) {
    let _ = guard(|| {
        if !edge.is_null() {
            drop(Box::from_raw(edge));
        }
        Ok(VIGIL_OK)
    });
}

/// The lower-case name of the one header `vigil_client_ip` reads (`x-forwarded-for`...),
/// valid as long as `edge`; NULL for a NULL edge.
#[no_mangle]
pub unsafe extern "C" fn vigil_edge_client_ip_header(edge: *const vigil_edge) -> *const c_char {
    edge.as_ref()
        .map_or(std::ptr::null(), |e| e.header.as_ptr())
}

/// The client IP of a request from its peer address (`1.2.3.4:5678`, `[::1]:80`...) and the
/// `n_lines` lines of the `vigil_edge_client_ip_header` header, in arrival order. Writes the
/// address and a NUL into `out` (`cap` >= `VIGIL_IP_TEXT_MAX`) and returns `VIGIL_OK`, or
/// `VIGIL_NO_CLIENT_IP` when the peer is absent or not an address.
#[no_mangle]
pub unsafe extern "C" fn vigil_client_ip(
    edge: *const vigil_edge,
    peer: vigil_str,
    lines: *const vigil_str,
    n_lines: usize,
    out: *mut c_char,
    cap: usize,
) -> i32 {
    guard(|| {
        let edge = edge_ref(edge)?;
        if out.is_null() {
            return Err(Failure::new(VIGIL_ERR_NULL_ARGUMENT, "out is NULL"));
        }
        if cap < VIGIL_IP_TEXT_MAX {
            return Err(Failure::new(
                VIGIL_ERR_INVALID_ARGUMENT,
                format!("cap must be at least {VIGIL_IP_TEXT_MAX}, got {cap}"),
            ));
        }
        let lines = slice_of(lines, n_lines, VIGIL_MAX_HEADER_LINES, "lines")?;
        let text: Vec<&str> = lines
            .iter()
            .map(|l| l.get_or_empty("header line"))
            .collect::<Result<_, _>>()?;
        let Some(ip) = edge.edge.client_ip(peer.get("peer")?, text) else {
            return Ok(VIGIL_NO_CLIENT_IP);
        };
        let ip = ip.to_string();
        std::ptr::copy_nonoverlapping(ip.as_ptr().cast::<c_char>(), out, ip.len());
        *out.add(ip.len()) = 0;
        Ok(VIGIL_OK)
    })
}

/// Renders the response to a request blocked by `decision` (as `vigil_identify` or
/// `vigil_check` wrote it) for its `Accept` header (may be absent). Free `out` with
/// `vigil_response_free`.
#[no_mangle]
pub unsafe extern "C" fn vigil_block_response(
    edge: *const vigil_edge,
    decision: *const vigil_decision,
    accept: vigil_str,
    out: *mut vigil_response,
) -> i32 {
    guard(|| {
        let edge = edge_ref(edge)?;
        let d = decision
            .as_ref()
            .ok_or_else(|| Failure::new(VIGIL_ERR_NULL_ARGUMENT, "decision is NULL"))?;
        if out.is_null() {
            return Err(Failure::new(VIGIL_ERR_NULL_ARGUMENT, "out is NULL"));
        }
        let text = |field: &[c_char]| {
            // SAFETY: vigil_decision's strings are NUL-terminated within their arrays.
            let bytes: &[u8] = std::slice::from_raw_parts(field.as_ptr().cast(), field.len());
            let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
            String::from_utf8_lossy(&bytes[..end]).into_owned()
        };
        let (id, reason, url) = (text(&d.id), text(&d.reason), text(&d.redirect_url));
        let view = DecisionView {
            id: &id,
            reason: &reason,
            redirect_url: (d.action == VIGIL_ACTION_REDIRECT && !url.is_empty())
                .then_some(url.as_str()),
        };
        let response = edge.edge.render_block(view, accept.get("accept")?);
        let mut owned = Box::new(Owned {
            response,
            pairs: Vec::new(),
        });
        let pairs: Vec<vigil_pair> = owned
            .response
            .headers
            .iter()
            .map(|(k, v)| vigil_pair {
                key: vigil_str::from_str(k),
                value: vigil_str::from_str(v),
            })
            .collect();
        owned.pairs = pairs;
        *out = vigil_response {
            status: i32::from(owned.response.status),
            headers: owned.pairs.as_ptr(),
            n_headers: owned.pairs.len(),
            body: owned.response.body.as_ptr(),
            body_len: owned.response.body.len(),
            _owner: Box::into_raw(owned).cast(),
        };
        Ok(VIGIL_OK)
    })
}

/// Frees what `vigil_block_response` wrote into `response` and zeroes it (NULL is ignored).
#[no_mangle]
pub unsafe extern "C" fn vigil_response_free(response: *mut vigil_response) {
    let _ = guard(|| {
        if let Some(r) = response.as_mut() {
            if !r._owner.is_null() {
                drop(Box::from_raw(r._owner.cast::<Owned>()));
            }
            *r = vigil_response {
                status: 0,
                headers: std::ptr::null(),
                n_headers: 0,
                body: std::ptr::null(),
                body_len: 0,
                _owner: std::ptr::null_mut(),
            };
        }
        Ok(VIGIL_OK)
    });
}
