//! Status codes, the per-thread last error, and the guard every entry point runs in.

use std::cell::RefCell;
use std::ffi::{c_char, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use vigil_core::Error;

/// Success.
pub const VIGIL_OK: i32 = 0;
/// The event was valid but not queued (queue full, or the client is shut down); it is counted.
pub const VIGIL_DROPPED: i32 = 1;
/// The user or the IP is blocked; the decision was written to `out` when given.
pub const VIGIL_BLOCKED: i32 = 2;
/// A required pointer argument was NULL.
pub const VIGIL_ERR_NULL_ARGUMENT: i32 = -1;
/// A string argument is not valid UTF-8.
pub const VIGIL_ERR_INVALID_UTF8: i32 = -2;
/// No identifiers were given.
pub const VIGIL_ERR_EMPTY: i32 = -3;
/// More than 16 identifier pairs.
pub const VIGIL_ERR_TOO_MANY_PAIRS: i32 = -4;
/// An identifier key is longer than 64 bytes after normalization.
pub const VIGIL_ERR_KEY_TOO_LONG: i32 = -5;
/// An identifier value is longer than 1024 bytes after normalization.
pub const VIGIL_ERR_VALUE_TOO_LONG: i32 = -6;
/// An identifier key is empty after trimming.
pub const VIGIL_ERR_EMPTY_KEY: i32 = -7;
/// An identifier value is empty after trimming.
pub const VIGIL_ERR_EMPTY_VALUE: i32 = -8;
/// A control character in an identifier or event name.
pub const VIGIL_ERR_CONTROL_CHARACTER: i32 = -9;
/// Two identifier keys are the same after normalization.
pub const VIGIL_ERR_DUPLICATE_KEY: i32 = -10;
/// An event name is empty or longer than 128 bytes.
pub const VIGIL_ERR_EVENT_NAME_LENGTH: i32 = -11;
/// An event name starts with the reserved prefix `vigil.`.
pub const VIGIL_ERR_RESERVED_EVENT_NAME: i32 = -12;
/// More than 16 properties.
pub const VIGIL_ERR_TOO_MANY_PROPERTIES: i32 = -13;
/// A property key or value is invalid.
pub const VIGIL_ERR_INVALID_PROPERTY: i32 = -14;
/// A timestamp is out of range.
pub const VIGIL_ERR_INVALID_TIMESTAMP: i32 = -15;
/// An IP address does not parse.
pub const VIGIL_ERR_INVALID_IP: i32 = -16;
/// The configuration is invalid.
pub const VIGIL_ERR_CONFIG: i32 = -17;
/// The client is shut down.
pub const VIGIL_ERR_SHUT_DOWN: i32 = -18;
/// A flush or shutdown did not finish before its deadline.
pub const VIGIL_ERR_TIMEOUT: i32 = -19;
/// A JSON argument does not parse or has the wrong shape.
pub const VIGIL_ERR_INVALID_JSON: i32 = -20;
/// An argument is out of its documented range.
pub const VIGIL_ERR_INVALID_ARGUMENT: i32 = -21;
/// A challenge result is not `requested`, `succeeded` or `failed` (or its enum value is unknown).
pub const VIGIL_ERR_INVALID_CHALLENGE_RESULT: i32 = -22;
/// A bug in Vigil was caught at the boundary; the host process is unaffected.
pub const VIGIL_ERR_INTERNAL: i32 = -99;

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

/// The message of the last error returned on this thread ("" if none). Valid until the next
/// Vigil call on the same thread; copy it to keep it.
#[no_mangle]
pub extern "C" fn vigil_last_error() -> *const c_char {
    LAST_ERROR.with(|e| e.borrow().as_ptr())
}

/// A stable name for a status code (e.g. `"duplicate_key"`), or `"unknown"`. Static storage.
#[no_mangle]
pub extern "C" fn vigil_status_name(status: i32) -> *const c_char {
    let name: &'static [u8] = match status {
        VIGIL_OK => b"ok\0",
        VIGIL_DROPPED => b"dropped\0",
        VIGIL_BLOCKED => b"blocked\0",
        crate::edge::VIGIL_NO_CLIENT_IP => b"no_client_ip\0",
        VIGIL_ERR_NULL_ARGUMENT => b"null_argument\0",
        VIGIL_ERR_INVALID_UTF8 => b"invalid_utf8\0",
        VIGIL_ERR_EMPTY => b"empty\0",
        VIGIL_ERR_TOO_MANY_PAIRS => b"too_many_pairs\0",
        VIGIL_ERR_KEY_TOO_LONG => b"key_too_long\0",
        VIGIL_ERR_VALUE_TOO_LONG => b"value_too_long\0",
        VIGIL_ERR_EMPTY_KEY => b"empty_key\0",
        VIGIL_ERR_EMPTY_VALUE => b"empty_value\0",
        VIGIL_ERR_CONTROL_CHARACTER => b"control_character\0",
        VIGIL_ERR_DUPLICATE_KEY => b"duplicate_key\0",
        VIGIL_ERR_EVENT_NAME_LENGTH => b"event_name_length\0",
        VIGIL_ERR_RESERVED_EVENT_NAME => b"reserved_event_name\0",
        VIGIL_ERR_TOO_MANY_PROPERTIES => b"too_many_properties\0",
        VIGIL_ERR_INVALID_PROPERTY => b"invalid_property\0",
        VIGIL_ERR_INVALID_TIMESTAMP => b"invalid_timestamp\0",
        VIGIL_ERR_INVALID_IP => b"invalid_ip\0",
        VIGIL_ERR_CONFIG => b"config\0",
        VIGIL_ERR_SHUT_DOWN => b"shut_down\0",
        VIGIL_ERR_TIMEOUT => b"timeout\0",
        VIGIL_ERR_INVALID_JSON => b"invalid_json\0",
        VIGIL_ERR_INVALID_ARGUMENT => b"invalid_argument\0",
        VIGIL_ERR_INVALID_CHALLENGE_RESULT => b"invalid_challenge_result\0",
        VIGIL_ERR_INTERNAL => b"internal\0",
        _ => b"unknown\0",
    };
    name.as_ptr().cast()
}

/// An error crossing the boundary: a status and its message.
pub(crate) struct Failure {
    pub status: i32,
    pub message: String,
}

impl Failure {
    pub fn new(status: i32, message: impl Into<String>) -> Failure {
        Failure {
            status,
            message: message.into(),
        }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        let status = match &e {
            Error::EmptyIdentifiers => VIGIL_ERR_EMPTY,
            Error::TooManyIdentifiers { .. } => VIGIL_ERR_TOO_MANY_PAIRS,
            Error::KeyTooLong { .. } => VIGIL_ERR_KEY_TOO_LONG,
            Error::ValueTooLong { .. } => VIGIL_ERR_VALUE_TOO_LONG,
            Error::EmptyKey => VIGIL_ERR_EMPTY_KEY,
            Error::EmptyValue { .. } => VIGIL_ERR_EMPTY_VALUE,
            Error::ControlCharacter { .. } | Error::EventNameControlCharacter => {
                VIGIL_ERR_CONTROL_CHARACTER
            }
            Error::DuplicateKey { .. } => VIGIL_ERR_DUPLICATE_KEY,
            Error::InvalidUtf8 { .. } => VIGIL_ERR_INVALID_UTF8,
            Error::EventNameLength { .. } => VIGIL_ERR_EVENT_NAME_LENGTH,
            Error::ReservedEventName { .. } => VIGIL_ERR_RESERVED_EVENT_NAME,
            Error::TooManyProperties { .. } => VIGIL_ERR_TOO_MANY_PROPERTIES,
            Error::InvalidProperty { .. } => VIGIL_ERR_INVALID_PROPERTY,
            Error::InvalidTimestamp { .. } => VIGIL_ERR_INVALID_TIMESTAMP,
            Error::InvalidIp { .. } => VIGIL_ERR_INVALID_IP,
            Error::InvalidChallengeResult { .. } => VIGIL_ERR_INVALID_CHALLENGE_RESULT,
            Error::Config(_) => VIGIL_ERR_CONFIG,
            Error::NullArgument(_) => VIGIL_ERR_NULL_ARGUMENT,
            Error::ShutDown => VIGIL_ERR_SHUT_DOWN,
            Error::Timeout(_) => VIGIL_ERR_TIMEOUT,
        };
        Failure::new(status, e.to_string())
    }
}

fn set_last_error(message: &str) {
    let c = CString::new(message.replace('\0', " ")).unwrap_or_default();
    LAST_ERROR.with(|e| *e.borrow_mut() = c);
}

/// Runs an entry point: maps errors to status codes (recording the message) and turns a panic
/// into `VIGIL_ERR_INTERNAL`, so nothing unwinds into the caller's frames.
pub(crate) fn guard(f: impl FnOnce() -> Result<i32, Failure>) -> i32 {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(status)) => status,
        Ok(Err(failure)) => {
            set_last_error(&failure.message);
            failure.status
        }
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            set_last_error(&format!("internal error in Vigil (please report): {what}"));
            VIGIL_ERR_INTERNAL
        }
    }
}
