//! Verdicts on requests (allow, challenge, deny), challenge outcomes, and feeding decisions in.

use std::ffi::{c_char, CStr};

use vigil_core::wire::DecisionFeed;
use vigil_core::{ChallengeResult, RequestContext, UserKey, Verdict};

use crate::client::{client_ref, vigil_client};
use crate::status::{
    guard, Failure, VIGIL_DROPPED, VIGIL_ERR_INVALID_ARGUMENT, VIGIL_ERR_INVALID_CHALLENGE_RESULT,
    VIGIL_ERR_INVALID_JSON, VIGIL_ERR_INVALID_UTF8, VIGIL_ERR_NULL_ARGUMENT, VIGIL_OK,
};
use crate::types::{
    read_device, read_ip, read_pairs, read_request_on, vigil_decision, vigil_pair, vigil_request,
    vigil_str,
};

/// `vigil_assess`: let the request through.
pub const VIGIL_ALLOW: i32 = 0;
/// `vigil_assess`: ask the user to prove who they are, then report it with
/// `vigil_challenge_track`.
pub const VIGIL_CHALLENGE: i32 = 1;
/// `vigil_assess`: refuse the request (render it with `vigil_block_response`).
pub const VIGIL_DENY: i32 = 2;
/// Most decisions behind one verdict (the user's and the IP's): room for `vigil_assess`.
pub const VIGIL_MAX_VERDICT_DECISIONS: usize = 2;

/// `vigil_challenge_track`: the app asked the user to prove who they are.
pub const VIGIL_CHALLENGE_REQUESTED: i32 = 0;
/// `vigil_challenge_track`: the user passed (ends their challenges, trusts the device).
pub const VIGIL_CHALLENGE_SUCCEEDED: i32 = 1;
/// `vigil_challenge_track`: the user failed.
pub const VIGIL_CHALLENGE_FAILED: i32 = 2;

fn verdict_code(v: Verdict) -> i32 {
    match v {
        Verdict::Allow => VIGIL_ALLOW,
        Verdict::Challenge => VIGIL_CHALLENGE,
        Verdict::Deny => VIGIL_DENY,
    }
}

/// The verdict on a request from the decisions held (a lock-free read, no I/O, no
/// allocation): `VIGIL_DENY` when a block or redirect covers the user (unless it exempts
/// `device`) or `ip`, else `VIGIL_CHALLENGE` when a challenge covers either, else
/// `VIGIL_ALLOW`, in `*out_verdict`. `user_key`: 16 bytes from `vigil_user_key`, or NULL when
/// nobody is identified (the user who last logged in from `ip` stands in). `ip` and `device`
/// (from `vigil_edge_device`) may be absent. The decisions behind the verdict, the user's
/// first, are copied into `out[0..min(cap, n)]` (`out` may be NULL with `cap` 0) and their
/// number into `*out_n` (may be NULL); `VIGIL_MAX_VERDICT_DECISIONS` is always enough.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn vigil_assess(
    client: *const vigil_client,
    user_key: *const u8,
    ip: vigil_str,
    device: vigil_str,
    out_verdict: *mut i32,
    out: *mut vigil_decision,
    cap: usize,
    out_n: *mut usize,
) -> i32 {
    guard(|| {
        let c = client_ref(client)?;
        if out_verdict.is_null() {
            return Err(Failure::new(VIGIL_ERR_NULL_ARGUMENT, "out_verdict is NULL"));
        }
        if cap > 0 && out.is_null() {
            return Err(Failure::new(VIGIL_ERR_NULL_ARGUMENT, "out is NULL"));
        }
        if cap > isize::MAX as usize / std::mem::size_of::<vigil_decision>() {
            return Err(Failure::new(
                VIGIL_ERR_INVALID_ARGUMENT,
                format!("cap {cap} is not a buffer size"),
            ));
        }
        let key = (!user_key.is_null()).then(|| {
            let mut k = [0u8; 16];
            std::ptr::copy_nonoverlapping(user_key, k.as_mut_ptr(), 16);
            UserKey(k)
        });
        let request = RequestContext {
            ip: read_ip(ip)?,
            device: read_device(device)?,
            ..RequestContext::default()
        };
        let a = c.assess(key.as_ref(), Some(&request));
        for (i, d) in a.decisions.iter().take(cap).enumerate() {
            vigil_decision::write(out.add(i), d);
        }
        if !out_n.is_null() {
            *out_n = a.decisions.len();
        }
        *out_verdict = verdict_code(a.verdict);
        Ok(VIGIL_OK)
    })
}

/// `"allow"`, `"challenge"`, `"deny"` for a verdict, or `"unknown"`. Static storage.
#[no_mangle]
pub extern "C" fn vigil_verdict_name(verdict: i32) -> *const c_char {
    let name: &'static [u8] = match verdict {
        VIGIL_ALLOW => b"allow\0",
        VIGIL_CHALLENGE => b"challenge\0",
        VIGIL_DENY => b"deny\0",
        _ => b"unknown\0",
    };
    name.as_ptr().cast()
}

/// Records how a challenge went (`result`: `VIGIL_CHALLENGE_REQUESTED`, `_SUCCEEDED` or
/// `_FAILED`) for the user `ids`, in `req` (may be NULL) on `device` (may be absent). A
/// success ends the user's challenges and trusts the device.
#[no_mangle]
pub unsafe extern "C" fn vigil_challenge_track(
    client: *const vigil_client,
    result: i32,
    ids: *const vigil_pair,
    n_ids: usize,
    req: *const vigil_request,
    device: vigil_str,
) -> i32 {
    guard(|| {
        let c = client_ref(client)?;
        let result = match result {
            VIGIL_CHALLENGE_REQUESTED => ChallengeResult::Requested,
            VIGIL_CHALLENGE_SUCCEEDED => ChallengeResult::Succeeded,
            VIGIL_CHALLENGE_FAILED => ChallengeResult::Failed,
            other => {
                return Err(Failure::new(
                    VIGIL_ERR_INVALID_CHALLENGE_RESULT,
                    format!(
                    "result must be VIGIL_CHALLENGE_REQUESTED, _SUCCEEDED or _FAILED, got {other}"
                ),
                ))
            }
        };
        let user = c.identity(&read_pairs(ids, n_ids)?)?;
        let request = read_request_on(req, device)?;
        Ok(match c.track_challenge(result, user, request) {
            true => VIGIL_OK,
            false => VIGIL_DROPPED,
        })
    })
}

/// Applies one answer of the decision feed (`GET /v1/decisions`, docs/protocol.md) to the
/// decisions `client` holds, and writes how many of its decisions could not be applied to
/// `*out_skipped` (may be NULL). For tests and for hosts that relay the feed themselves; a
/// client polling a server replaces them at the server's next reset.
#[no_mangle]
pub unsafe extern "C" fn vigil_decisions_apply(
    client: *const vigil_client,
    feed_json: *const c_char,
    out_skipped: *mut usize,
) -> i32 {
    guard(|| {
        let c = client_ref(client)?;
        if feed_json.is_null() {
            return Err(Failure::new(VIGIL_ERR_NULL_ARGUMENT, "feed_json is NULL"));
        }
        let text = CStr::from_ptr(feed_json)
            .to_str()
            .map_err(|_| Failure::new(VIGIL_ERR_INVALID_UTF8, "feed_json is not valid UTF-8"))?;
        let feed: DecisionFeed = serde_json::from_str(text)
            .map_err(|e| Failure::new(VIGIL_ERR_INVALID_JSON, format!("feed_json: {e}")))?;
        let skipped = c.decisions().apply_feed(&feed);
        if !out_skipped.is_null() {
            *out_skipped = skipped;
        }
        Ok(VIGIL_OK)
    })
}
