//! Recording signups, logins, custom events and identity changes.

use vigil_core::event::MAX_PROPERTIES;
use vigil_core::{Error, Properties, PropertyValue};

use crate::client::{client_ref, vigil_client};
use crate::status::{
    guard, Failure, VIGIL_DROPPED, VIGIL_ERR_INVALID_ARGUMENT, VIGIL_ERR_NULL_ARGUMENT, VIGIL_OK,
};
use crate::types::{
    read_pairs, read_request_on, slice_of, vigil_pair, vigil_property, vigil_request, vigil_str,
    VIGIL_PROPERTY_BOOL, VIGIL_PROPERTY_NUMBER, VIGIL_PROPERTY_STRING,
};

fn queued(ok: bool) -> i32 {
    if ok {
        VIGIL_OK
    } else {
        VIGIL_DROPPED
    }
}

/// Records a signup. `req` may be NULL.
#[no_mangle]
pub unsafe extern "C" fn vigil_track_signup(
    client: *const vigil_client,
    ids: *const vigil_pair,
    n_ids: usize,
    req: *const vigil_request,
) -> i32 {
    vigil_track_signup_device(client, ids, n_ids, req, vigil_str::ABSENT)
}

/// `vigil_track_signup` on the request's `device` (from `vigil_edge_device`; may be absent,
/// and is the event's `request.device` even when `req` is NULL).
#[no_mangle]
pub unsafe extern "C" fn vigil_track_signup_device(
    client: *const vigil_client,
    ids: *const vigil_pair,
    n_ids: usize,
    req: *const vigil_request,
    device: vigil_str,
) -> i32 {
    guard(|| {
        let c = client_ref(client)?;
        let user = c.identity(&read_pairs(ids, n_ids)?)?;
        Ok(queued(c.track_signup(user, read_request_on(req, device)?)))
    })
}

/// Records a login attempt. `exists` (failures): 1 the account exists, 0 it does not, -1 unknown.
#[no_mangle]
pub unsafe extern "C" fn vigil_track_auth(
    client: *const vigil_client,
    success: bool,
    ids: *const vigil_pair,
    n_ids: usize,
    exists: i32,
    req: *const vigil_request,
) -> i32 {
    vigil_track_auth_device(client, success, ids, n_ids, exists, req, vigil_str::ABSENT)
}

/// `vigil_track_auth` on the request's `device` (may be absent): the engine learns a user's
/// known devices from their successful logins (docs/verdicts.md).
#[no_mangle]
pub unsafe extern "C" fn vigil_track_auth_device(
    client: *const vigil_client,
    success: bool,
    ids: *const vigil_pair,
    n_ids: usize,
    exists: i32,
    req: *const vigil_request,
    device: vigil_str,
) -> i32 {
    guard(|| {
        let c = client_ref(client)?;
        let exists = match exists {
            -1 => None,
            0 => Some(false),
            1 => Some(true),
            other => {
                return Err(Failure::new(
                    VIGIL_ERR_INVALID_ARGUMENT,
                    format!("exists must be -1, 0 or 1, got {other}"),
                ))
            }
        };
        let user = c.identity(&read_pairs(ids, n_ids)?)?;
        Ok(queued(c.track_auth(
            success,
            user,
            exists,
            read_request_on(req, device)?,
        )))
    })
}

/// Records a custom event. `ids` may be NULL with `n_ids` 0 (no user); `props` likewise;
/// `ts_ms` 0 means now.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn vigil_track_event(
    client: *const vigil_client,
    name: vigil_str,
    ids: *const vigil_pair,
    n_ids: usize,
    props: *const vigil_property,
    n_props: usize,
    ts_ms: i64,
    req: *const vigil_request,
) -> i32 {
    vigil_track_event_device(
        client,
        name,
        ids,
        n_ids,
        props,
        n_props,
        ts_ms,
        req,
        vigil_str::ABSENT,
    )
}

/// `vigil_track_event` on the request's `device` (may be absent).
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn vigil_track_event_device(
    client: *const vigil_client,
    name: vigil_str,
    ids: *const vigil_pair,
    n_ids: usize,
    props: *const vigil_property,
    n_props: usize,
    ts_ms: i64,
    req: *const vigil_request,
    device: vigil_str,
) -> i32 {
    guard(|| {
        let c = client_ref(client)?;
        let name = name
            .get("event name")?
            .ok_or_else(|| Failure::new(VIGIL_ERR_NULL_ARGUMENT, "event name is NULL"))?;
        let user = if n_ids == 0 {
            None
        } else {
            Some(c.identity(&read_pairs(ids, n_ids)?)?)
        };
        let properties = read_properties(props, n_props)?;
        let ts = (ts_ms != 0).then_some(ts_ms);
        Ok(queued(c.track_event(
            name,
            user,
            properties,
            ts,
            read_request_on(req, device)?,
        )?))
    })
}

/// Records that an account's identifiers changed from `old_ids` to `new_ids`, so its risk and
/// history carry over.
#[no_mangle]
pub unsafe extern "C" fn vigil_alias(
    client: *const vigil_client,
    old_ids: *const vigil_pair,
    n_old: usize,
    new_ids: *const vigil_pair,
    n_new: usize,
    req: *const vigil_request,
) -> i32 {
    vigil_alias_device(
        client,
        old_ids,
        n_old,
        new_ids,
        n_new,
        req,
        vigil_str::ABSENT,
    )
}

/// `vigil_alias` on the request's `device` (may be absent).
#[no_mangle]
pub unsafe extern "C" fn vigil_alias_device(
    client: *const vigil_client,
    old_ids: *const vigil_pair,
    n_old: usize,
    new_ids: *const vigil_pair,
    n_new: usize,
    req: *const vigil_request,
    device: vigil_str,
) -> i32 {
    guard(|| {
        let c = client_ref(client)?;
        let previous = c.identity(&read_pairs(old_ids, n_old)?)?;
        let current = c.identity(&read_pairs(new_ids, n_new)?)?;
        Ok(queued(c.alias(
            previous,
            current,
            read_request_on(req, device)?,
        )))
    })
}

unsafe fn read_properties(props: *const vigil_property, n: usize) -> Result<Properties, Failure> {
    let mut out = Properties::new();
    // Refused before reading any of them (and before a slice of an absurd length exists).
    if n > MAX_PROPERTIES {
        return Err(Error::TooManyProperties {
            count: n,
            max: MAX_PROPERTIES,
        }
        .into());
    }
    for p in slice_of(props, n, MAX_PROPERTIES, "props")? {
        let key = p.key.get_or_empty("property key")?;
        let value = match p.kind {
            VIGIL_PROPERTY_STRING => {
                PropertyValue::Str(p.string.get_or_empty("property value")?.to_owned())
            }
            VIGIL_PROPERTY_NUMBER => PropertyValue::Num(p.number),
            VIGIL_PROPERTY_BOOL => PropertyValue::Bool(p.boolean),
            other => {
                return Err(Failure::new(
                    VIGIL_ERR_INVALID_ARGUMENT,
                    format!("property {key:?}: unknown kind {other}"),
                ))
            }
        };
        out.insert(key, value)?;
    }
    Ok(out)
}
