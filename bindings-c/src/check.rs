//! Ban checks: lock-free reads of the decisions the SDK holds. No network I/O.

use vigil_core::{Decision, UserKey};

use crate::client::{client_ref, vigil_client};
use crate::status::{guard, Failure, VIGIL_BLOCKED, VIGIL_ERR_NULL_ARGUMENT, VIGIL_OK};
use crate::types::{
    read_device, read_ip, read_pairs, read_request_on, vigil_decision, vigil_pair, vigil_request,
    vigil_str,
};

fn outcome(decision: Option<&Decision>, out: *mut vigil_decision) -> i32 {
    match decision {
        Some(d) => {
            vigil_decision::write(out, d);
            VIGIL_BLOCKED
        }
        None => VIGIL_OK,
    }
}

/// Associates a user with the current request (at most one `identify.seen` event per user, IP
/// and minute) and checks bans: `VIGIL_BLOCKED` (decision in `out`, which may be NULL) when the
/// user or the request's IP is blocked, else `VIGIL_OK`.
#[no_mangle]
pub unsafe extern "C" fn vigil_identify(
    client: *const vigil_client,
    ids: *const vigil_pair,
    n_ids: usize,
    req: *const vigil_request,
    out: *mut vigil_decision,
) -> i32 {
    vigil_identify_device(client, ids, n_ids, req, vigil_str::ABSENT, out)
}

/// `vigil_identify` on the request's `device` (from `vigil_edge_device`; may be absent): a
/// user block that exempts the device (a lockout sparing the owner's known devices) does not
/// apply, and the `identify.seen` event carries the device.
#[no_mangle]
pub unsafe extern "C" fn vigil_identify_device(
    client: *const vigil_client,
    ids: *const vigil_pair,
    n_ids: usize,
    req: *const vigil_request,
    device: vigil_str,
    out: *mut vigil_decision,
) -> i32 {
    guard(|| {
        let c = client_ref(client)?;
        let user = c.identity(&read_pairs(ids, n_ids)?)?;
        Ok(outcome(
            c.identify(user, read_request_on(req, device)?).as_deref(),
            out,
        ))
    })
}

/// Computes the 16-byte user key of identifiers under this client's settings, so a caller can
/// check the same user many times without normalizing again.
#[no_mangle]
pub unsafe extern "C" fn vigil_user_key(
    client: *const vigil_client,
    ids: *const vigil_pair,
    n_ids: usize,
    out_key: *mut u8,
) -> i32 {
    guard(|| {
        let c = client_ref(client)?;
        if out_key.is_null() {
            return Err(Failure::new(VIGIL_ERR_NULL_ARGUMENT, "out_key is NULL"));
        }
        let key = c.identity(&read_pairs(ids, n_ids)?)?.key();
        std::ptr::copy_nonoverlapping(key.0.as_ptr(), out_key, 16);
        Ok(VIGIL_OK)
    })
}

/// Checks a request: `user_key` (16 bytes from `vigil_user_key`, or NULL when nobody was
/// identified: the user who last logged in from `ip` stands in) and `ip` (may be absent).
/// `VIGIL_BLOCKED` with the decision in `out` (may be NULL), or `VIGIL_OK`.
#[no_mangle]
pub unsafe extern "C" fn vigil_check(
    client: *const vigil_client,
    user_key: *const u8,
    ip: vigil_str,
    out: *mut vigil_decision,
) -> i32 {
    vigil_check_device(client, user_key, ip, vigil_str::ABSENT, out)
}

/// `vigil_check` on the request's `device` (may be absent): a user block that exempts the
/// device does not apply. IP blocks never exempt a device.
#[no_mangle]
pub unsafe extern "C" fn vigil_check_device(
    client: *const vigil_client,
    user_key: *const u8,
    ip: vigil_str,
    device: vigil_str,
    out: *mut vigil_decision,
) -> i32 {
    guard(|| {
        let c = client_ref(client)?;
        let key = (!user_key.is_null()).then(|| {
            let mut k = [0u8; 16];
            std::ptr::copy_nonoverlapping(user_key, k.as_mut_ptr(), 16);
            UserKey(k)
        });
        let ip = read_ip(ip)?;
        let device = read_device(device)?;
        Ok(outcome(
            c.check(key.as_ref(), ip.as_ref(), device).as_deref(),
            out,
        ))
    })
}

/// Checks only an IP (or a network containing it): `VIGIL_BLOCKED` or `VIGIL_OK`. For a
/// middleware's per-request check before any user is known.
#[no_mangle]
pub unsafe extern "C" fn vigil_check_ip(
    client: *const vigil_client,
    ip: vigil_str,
    out: *mut vigil_decision,
) -> i32 {
    guard(|| {
        let c = client_ref(client)?;
        let Some(ip) = read_ip(ip)? else {
            return Err(Failure::new(VIGIL_ERR_NULL_ARGUMENT, "ip is absent"));
        };
        Ok(outcome(c.ip_decision(&ip).as_deref(), out))
    })
}
