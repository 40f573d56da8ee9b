//! The one place where failures become JS exceptions.
//!
//! Core errors keep their stable `code()` as the exception's `.code`: bad arguments become
//! `RangeError`s, the client's state (configuration, shut down, timeout) a plain `Error`. A value
//! of the wrong JS type is a `TypeError` (code `invalid_type`).

use napi::{Env, Error, Status};

/// Throws `e` as a JS exception and returns the marker napi-rs knows not to throw again.
pub(crate) fn core(env: &Env, e: vigil_core::Error) -> Error {
    let message = e.to_string();
    // Throwing only fails while the environment tears down, when nobody could catch it anyway.
    let _ = if e.is_invalid_input() {
        env.throw_range_error(&message, Some(e.code()))
    } else {
        env.throw_error(&message, Some(e.code()))
    };
    pending()
}

pub(crate) fn type_error(env: &Env, message: &str) -> Error {
    let _ = env.throw_type_error(message, Some("invalid_type"));
    pending()
}

/// An error for a JS exception that is already pending (napi-rs leaves it as it is).
pub(crate) fn pending() -> Error {
    Error::from_status(Status::PendingException)
}

/// Checks a raw napi status; a failing call leaves its own exception or none, so name the step.
pub(crate) fn check(env: &Env, status: napi::sys::napi_status, what: &str) -> Result<(), Error> {
    if status == napi::sys::Status::napi_ok {
        return Ok(());
    }
    let mut pending_exception = false;
    // SAFETY: `env` is the live environment of the current call.
    unsafe { napi::sys::napi_is_exception_pending(env.raw(), &mut pending_exception) };
    if pending_exception {
        // A getter threw while we read the object: let that exception through.
        return Err(pending());
    }
    let _ = env.throw_error(
        &format!("vigil: {what} failed (napi status {status})"),
        None,
    );
    Err(pending())
}
