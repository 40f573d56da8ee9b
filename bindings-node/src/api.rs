//! The per-call functions, as raw callbacks (see `raw.rs` for the calling convention). Track
//! functions return whether the event was queued (false: queue full or client closed).

use napi::bindgen_prelude::{JsObjectValue, Object};
use napi::sys::{napi_callback, napi_value};
use napi::{Env, JsValue, Result};
use vigil_core::event::check_timestamp;
use vigil_core::pseudonym::Pseudonymizer;
use vigil_core::Error as CoreError;

use smallvec::SmallVec;
use vigil_core::{Assessment, ChallengeResult, Client, Verdict};

use crate::client::with_client;
use crate::errors;
use crate::raw::{callback, Call};
use crate::read::{identity, identity_from_array, identity_with, opt_string, properties};
use crate::request::{self, context};

/// `authTrack(success, exists, req, _, ...pairs)`; `exists` counts for failures only.
fn auth_track(call: &Call) -> Result<napi_value> {
    with_client(&call.env, |c| {
        let success = call.opt_bool(call.arg(0), "success")?.unwrap_or(false);
        let exists = call.opt_bool(call.arg(1), "options.exists")?;
        let req = request::get(call, call.arg(2))?;
        let user = identity(call, c)?;
        let exists = exists.filter(|_| !success);
        call.boolean(c.track_auth(success, user, exists, context(req)))
    })
}

/// `signupTrack(req, _, _, _, ...pairs)`
fn signup_track(call: &Call) -> Result<napi_value> {
    with_client(&call.env, |c| {
        let req = request::get(call, call.arg(0))?;
        let user = identity(call, c)?;
        call.boolean(c.track_signup(user, context(req)))
    })
}

/// `identify(req, _, _, _, ...pairs)`: attaches the user to `req` and records the sighting.
/// Returns whether this user or the request's IP is blocked now.
fn identify(call: &Call) -> Result<napi_value> {
    with_client(&call.env, |c| {
        let req = request::get(call, call.arg(0))?;
        let user = identity(call, c)?;
        if let Some(r) = req {
            r.user.set(Some(user.key()));
        }
        call.boolean(c.identify(user, context(req)).is_some())
    })
}

/// `assess(req, _, _, _, ...pairs)`: the verdict on the request (its IP and device) for this
/// user; with no pairs, for the user `identify` attached to it, else the user who last logged
/// in from its IP. `undefined` for allow, else `[verdict, decisionId, ...reasons]` (the JS
/// side builds the result object). Reads the decisions held: no event, no I/O.
fn assess(call: &Call) -> Result<napi_value> {
    let req = request::get(call, call.arg(0))?;
    let (_, count) = call.pairs();
    let run = |c: &Client| -> Result<Assessment> {
        let key = match count {
            0 => req.and_then(|r| r.user.get()),
            _ => Some(identity(call, c)?.key()),
        };
        Ok(c.assess(key.as_ref(), req.map(|r| &r.ctx)))
    };
    let a = match req {
        Some(r) => r.with_client(call, run)?,
        None => with_client(&call.env, run)?,
    };
    verdict(call, &a)
}

/// `undefined` for allow, else `[verdict, decisionId, ...reasons]`.
pub(crate) fn verdict(call: &Call, a: &Assessment) -> Result<napi_value> {
    let Some(first) = a.decision().filter(|_| a.verdict != Verdict::Allow) else {
        return call.undefined();
    };
    let mut items: SmallVec<[napi_value; 4]> = SmallVec::new();
    items.push(call.string(a.verdict.as_str())?);
    items.push(call.string(&first.id)?);
    for d in &a.decisions {
        items.push(call.string(&d.reason)?);
    }
    call.array(&items)
}

/// `challengeTrack(result, req, _, _, ...pairs)`: how the challenge `assess` asked for went
/// (`requested`, `succeeded` or `failed`; anything else throws before anything is queued).
fn challenge_track(call: &Call) -> Result<napi_value> {
    let env = &call.env;
    let text = opt_string(call, call.arg(0), "challenge result")?
        .ok_or_else(|| errors::type_error(env, "challenge result must be a string"))?;
    let result = ChallengeResult::parse(&text).map_err(|e| errors::core(env, e))?;
    with_client(env, |c| {
        let req = request::get(call, call.arg(1))?;
        let user = identity(call, c)?;
        call.boolean(c.track_challenge(result, user, context(req)))
    })
}

/// `setCookieOf(req)`: the `Set-Cookie` value of the request's fresh device, or `undefined`.
fn set_cookie_of(call: &Call) -> Result<napi_value> {
    match request::get(call, call.arg(0))?.and_then(|r| r.set_cookie.as_deref()) {
        Some(header) => call.string(header),
        None => call.undefined(),
    }
}

/// `check(req)`: is the request's user (identified, else the last user to log in from its
/// IP) or its IP blocked? A lock-free read.
fn check(call: &Call) -> Result<napi_value> {
    let blocked = match request::get(call, call.arg(0))? {
        Some(r) => r.with_client(call, |c| {
            Ok(
                c.check(r.user.get().as_ref(), r.ctx.ip.as_ref(), r.ctx.device)
                    .is_some(),
            )
        })?,
        None => false,
    };
    call.boolean(blocked)
}

/// `ipBlocked(req)`: the middleware's per-request check.
fn ip_blocked(call: &Call) -> Result<napi_value> {
    let blocked = match request::get(call, call.arg(0))? {
        Some(r) => match r.ctx.ip.as_ref() {
            Some(ip) => r.with_client(call, |c| Ok(c.ip_blocked(ip)))?,
            None => false,
        },
        None => false,
    };
    call.boolean(blocked)
}

/// `trackEvent(name, tsMs, req, idsArray, ...propertyPairs)`
fn track_event(call: &Call) -> Result<napi_value> {
    let env = &call.env;
    with_client(env, |c| {
        let name = opt_string(call, call.arg(0), "event name")?
            .ok_or_else(|| errors::type_error(env, "event name must be a string"))?;
        let ts_ms = match call.opt_number(call.arg(1), "timestamp")? {
            None => None,
            Some(t) if !t.is_finite() => {
                let e = CoreError::InvalidTimestamp {
                    reason: "not a finite number",
                };
                return Err(errors::core(env, e));
            }
            Some(t) => Some(check_timestamp(t.trunc() as i64).map_err(|e| errors::core(env, e))?),
        };
        let req = request::get(call, call.arg(2))?;
        let user = match call.is_nullish(call.arg(3))? {
            true => None,
            false => Some(identity_from_array(call, call.arg(3), c)?),
        };
        let (flat, count) = call.pairs();
        let props = properties(call, flat, count)?;
        let queued = c
            .track_event(&name, user, props, ts_ms, context(req))
            .map_err(|e| errors::core(env, e))?;
        call.boolean(queued)
    })
}

/// `alias(req, oldIdsArray, _, _, ...newPairs)`
fn alias(call: &Call) -> Result<napi_value> {
    with_client(&call.env, |c| {
        let req = request::get(call, call.arg(0))?;
        let previous = identity_from_array(call, call.arg(1), c)?;
        let current = identity(call, c)?;
        call.boolean(c.alias(previous, current, context(req)))
    })
}

/// `normalize(piiSecret, keepEmailDomain, _, _, ...pairs)` -> `{ ids, primary, key }`: the
/// normalized (maybe pseudonymized) identifiers in key byte order, the primary key, the user
/// key. A secret overrides the client's PII settings (the shared vectors use several).
fn normalize(call: &Call) -> Result<napi_value> {
    let env: &Env = &call.env;
    let user = match opt_string(call, call.arg(0), "pii_secret")? {
        Some(secret) => {
            let keep = call
                .opt_bool(call.arg(1), "keep_email_domain")?
                .unwrap_or(true);
            identity_with(call, Some(&Pseudonymizer::new(secret.as_bytes(), keep)))?
        }
        None => crate::read::identity_by(call, |pairs| crate::client::normalize_rules(pairs))?,
    };
    let mut ids = Object::new(env)?;
    for (k, v) in user.pairs() {
        ids.set_named_property(k, v)?;
    }
    let mut out = Object::new(env)?;
    out.set_named_property("ids", ids)?;
    out.set_named_property("primary", user.primary_key())?;
    out.set_named_property("key", user.key().to_string())?;
    Ok(out.raw())
}

/// `requestInfo(req)` -> `{ ip, userKey, device, setCookie }`, for tests and debugging.
fn request_info(call: &Call) -> Result<napi_value> {
    let mut out = Object::new(&call.env)?;
    if let Some(r) = request::get(call, call.arg(0))? {
        out.set_named_property("ip", r.ctx.ip.map(|ip| ip.to_string()))?;
        out.set_named_property("userKey", r.user.get().map(|k| k.to_string()))?;
        out.set_named_property("device", r.ctx.device.map(|d| d.to_string()))?;
        out.set_named_property("setCookie", r.set_cookie.as_deref())?;
    }
    Ok(out.raw())
}

/// For tests: `_assessKey(userKey, ip, device)` -> `{ verdict, ids, reasons }`, `assess` by
/// user key (`u_` and 32 hex digits), IP and device as the shared vectors give them, with the
/// ids of every decision behind the verdict.
fn assess_key(call: &Call) -> Result<napi_value> {
    let env = &call.env;
    let bad = |e: String| napi::Error::from_reason(e);
    let key = opt_string(call, call.arg(0), "user key")?
        .map(|k| k.parse::<vigil_core::UserKey>())
        .transpose()
        .map_err(|e| bad(e.to_string()))?;
    let ip = opt_string(call, call.arg(1), "ip")?;
    let mut ctx = vigil_core::RequestContext::from_parts(ip.as_deref(), None, None, None)
        .map_err(|e| errors::core(env, e))?;
    ctx.device = opt_string(call, call.arg(2), "device")?
        .map(|d| d.parse::<vigil_core::DeviceId>())
        .transpose()
        .map_err(|()| bad("a device is 32 lower-case hex digits".into()))?;
    let a = with_client(env, |c| Ok(c.assess(key.as_ref(), Some(&ctx))))?;
    let mut out = Object::new(env)?;
    out.set_named_property("verdict", a.verdict.as_str())?;
    let ids: Vec<&str> = a.decisions.iter().map(|d| d.id.as_str()).collect();
    out.set_named_property("ids", ids)?;
    out.set_named_property("reasons", a.reasons().collect::<Vec<_>>())?;
    Ok(out.raw())
}

callback!(auth_track_cb => auth_track);
callback!(signup_track_cb => signup_track);
callback!(identify_cb => identify);
callback!(check_cb => check);
callback!(ip_blocked_cb => ip_blocked);
callback!(track_event_cb => track_event);
callback!(alias_cb => alias);
callback!(normalize_cb => normalize);
callback!(create_request_cb => request::create);
callback!(request_info_cb => request_info);
callback!(decision_of_cb => crate::edge::decision_of);
callback!(assess_cb => assess);
callback!(challenge_track_cb => challenge_track);
callback!(set_cookie_of_cb => set_cookie_of);
callback!(assess_key_cb => assess_key);

pub(crate) const FUNCTIONS: &[(&str, napi_callback)] = &[
    ("authTrack", Some(auth_track_cb)),
    ("signupTrack", Some(signup_track_cb)),
    ("identify", Some(identify_cb)),
    ("check", Some(check_cb)),
    ("ipBlocked", Some(ip_blocked_cb)),
    ("trackEvent", Some(track_event_cb)),
    ("alias", Some(alias_cb)),
    ("normalize", Some(normalize_cb)),
    ("createRequest", Some(create_request_cb)),
    ("requestInfo", Some(request_info_cb)),
    ("decisionOf", Some(decision_of_cb)),
    ("assess", Some(assess_cb)),
    ("challengeTrack", Some(challenge_track_cb)),
    ("setCookieOf", Some(set_cookie_of_cb)),
    // For tests only (the shared vectors).
    ("_assessKey", Some(assess_key_cb)),
];
