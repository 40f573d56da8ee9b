//! Raw N-API callbacks for the per-call paths: one `napi_get_cb_info` for every argument, no
//! per-argument conversion layer, panics caught at the boundary.
//!
//! Calling convention shared with `lib/ids.js`: four fixed arguments, then identifier (or
//! property) pairs flattened as `key, value, key, value, ...`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use napi::sys::{self, napi_callback_info, napi_env, napi_value, ValueType};
use napi::{Env, Result};

use crate::errors::{self, check};

pub(crate) const FIXED: usize = 4;
/// Room for the fixed arguments, 16 pairs and one more pair (to tell "too many").
const MAX_ARGS: usize = FIXED + 2 * 17;

pub(crate) struct Call {
    pub env: Env,
    argv: [napi_value; MAX_ARGS],
    /// How many arguments JS passed (may exceed `MAX_ARGS`).
    pub argc: usize,
}

impl Call {
    unsafe fn new(env: napi_env, info: napi_callback_info) -> Result<Call> {
        let mut call = Call {
            env: Env::from_raw(env),
            argv: [ptr::null_mut(); MAX_ARGS],
            argc: MAX_ARGS,
        };
        let status = sys::napi_get_cb_info(
            env,
            info,
            &mut call.argc,
            call.argv.as_mut_ptr(),
            ptr::null_mut(),
            ptr::null_mut(),
        );
        check(&call.env, status, "reading arguments")?;
        Ok(call)
    }

    /// Argument `i`; napi fills the missing ones with `undefined`.
    pub fn arg(&self, i: usize) -> napi_value {
        self.argv[i]
    }

    /// The flattened pairs after the fixed arguments, and how many pairs JS passed in all.
    pub fn pairs(&self) -> (&[napi_value], usize) {
        let given = self.argc.saturating_sub(FIXED);
        let held = given.min(MAX_ARGS - FIXED);
        (&self.argv[FIXED..FIXED + held], given / 2)
    }

    pub fn type_of(&self, v: napi_value) -> Result<i32> {
        let mut t = 0;
        // SAFETY: `v` is a value of this call.
        let status = unsafe { sys::napi_typeof(self.env.raw(), v, &mut t) };
        check(&self.env, status, "typeof")?;
        Ok(t)
    }

    pub fn is_nullish(&self, v: napi_value) -> Result<bool> {
        let t = self.type_of(v)?;
        Ok(t == ValueType::napi_undefined || t == ValueType::napi_null)
    }

    pub fn boolean(&self, b: bool) -> Result<napi_value> {
        let mut v = ptr::null_mut();
        // SAFETY: plain value creation on the live env.
        let status = unsafe { sys::napi_get_boolean(self.env.raw(), b, &mut v) };
        check(&self.env, status, "creating a boolean")?;
        Ok(v)
    }

    pub fn undefined(&self) -> Result<napi_value> {
        let mut v = ptr::null_mut();
        // SAFETY: plain value creation on the live env.
        let status = unsafe { sys::napi_get_undefined(self.env.raw(), &mut v) };
        check(&self.env, status, "creating undefined")?;
        Ok(v)
    }

    pub fn string(&self, s: &str) -> Result<napi_value> {
        let mut v = ptr::null_mut();
        // SAFETY: `s` is UTF-8 of known length, copied by napi.
        let status = unsafe {
            sys::napi_create_string_utf8(
                self.env.raw(),
                s.as_ptr().cast(),
                s.len() as isize,
                &mut v,
            )
        };
        check(&self.env, status, "creating a string")?;
        Ok(v)
    }

    /// A JS array of `items`, in order.
    pub fn array(&self, items: &[napi_value]) -> Result<napi_value> {
        let env = self.env.raw();
        let mut v = ptr::null_mut();
        // SAFETY: plain value creation on the live env; the items are values of this call.
        unsafe {
            let status = sys::napi_create_array_with_length(env, items.len(), &mut v);
            check(&self.env, status, "creating an array")?;
            for (i, item) in items.iter().enumerate() {
                let status = sys::napi_set_element(env, v, i as u32, *item);
                check(&self.env, status, "filling an array")?;
            }
        }
        Ok(v)
    }

    /// `true`, `false`, or absent (`undefined`/`null`); anything else is a TypeError.
    pub fn opt_bool(&self, v: napi_value, what: &str) -> Result<Option<bool>> {
        match self.type_of(v)? {
            ValueType::napi_undefined | ValueType::napi_null => Ok(None),
            ValueType::napi_boolean => {
                let mut b = false;
                // SAFETY: checked to be a boolean.
                let status = unsafe { sys::napi_get_value_bool(self.env.raw(), v, &mut b) };
                check(&self.env, status, "reading a boolean")?;
                Ok(Some(b))
            }
            _ => Err(errors::type_error(
                &self.env,
                &format!("{what} must be a boolean"),
            )),
        }
    }

    /// A number, or absent.
    pub fn opt_number(&self, v: napi_value, what: &str) -> Result<Option<f64>> {
        match self.type_of(v)? {
            ValueType::napi_undefined | ValueType::napi_null => Ok(None),
            ValueType::napi_number => {
                let mut n = 0f64;
                // SAFETY: checked to be a number.
                let status = unsafe { sys::napi_get_value_double(self.env.raw(), v, &mut n) };
                check(&self.env, status, "reading a number")?;
                Ok(Some(n))
            }
            _ => Err(errors::type_error(
                &self.env,
                &format!("{what} must be a number"),
            )),
        }
    }
}

/// Runs `f` as the body of a raw callback: a returned error has already been thrown (or is
/// thrown here), and a panic becomes an exception instead of aborting the process.
pub(crate) unsafe fn run(
    env: napi_env,
    info: napi_callback_info,
    f: fn(&Call) -> Result<napi_value>,
) -> napi_value {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let call = Call::new(env, info)?;
        f(&call)
    }));
    match outcome {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => {
            if e.status != napi::Status::PendingException {
                let _ = Env::from_raw(env).throw_error(&e.reason, None);
            }
            ptr::null_mut()
        }
        Err(_) => {
            let _ =
                Env::from_raw(env).throw_error("vigil: internal error (a bug)", Some("internal"));
            ptr::null_mut()
        }
    }
}

/// Defines `unsafe extern "C" fn $name` running `$body` through [`run`].
macro_rules! callback {
    ($name:ident => $body:path) => {
        unsafe extern "C" fn $name(
            env: napi::sys::napi_env,
            info: napi::sys::napi_callback_info,
        ) -> napi::sys::napi_value {
            crate::raw::run(env, info, $body)
        }
    };
}
pub(crate) use callback;

/// Adds the raw functions to `exports`.
pub(crate) fn export(
    env: &Env,
    exports: napi_value,
    functions: &[(&'static str, sys::napi_callback)],
) -> Result<()> {
    for (name, cb) in functions {
        let mut f = ptr::null_mut();
        // SAFETY: `name` is UTF-8 of known length; `exports` is the module's exports object.
        unsafe {
            let status = sys::napi_create_function(
                env.raw(),
                name.as_ptr().cast(),
                name.len() as isize,
                *cb,
                ptr::null_mut(),
                &mut f,
            );
            check(env, status, "creating a function")?;
            let mut key = ptr::null_mut();
            let status = sys::napi_create_string_utf8(
                env.raw(),
                name.as_ptr().cast(),
                name.len() as isize,
                &mut key,
            );
            check(env, status, "creating a name")?;
            check(
                env,
                sys::napi_set_property(env.raw(), exports, key, f),
                "exporting",
            )?;
        }
    }
    Ok(())
}
