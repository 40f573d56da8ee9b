//! Vigil's Node.js addon: a thin layer over `vigil-core`. The JavaScript package (`index.js`,
//! `lib/`) adds the Sqreen-compatible surface, the Express middleware and the passport glue.
//!
//! One core client serves the whole process (every worker thread shares it); its background
//! worker is a plain OS thread that holds no reference to any event loop, and no JS value is
//! touched off the JS thread (`flush`/`close` run on libuv's pool and only touch the client).
//! The per-call functions are raw N-API callbacks (`raw.rs`, `api.rs`); the rest uses napi-rs.

#[macro_use]
extern crate napi_derive;

mod api;
mod client;
mod edge;
mod errors;
mod raw;
mod read;
mod request;

use napi::bindgen_prelude::Object;
use napi::{Env, JsValue, Result};

#[napi(module_exports)]
pub fn init(exports: Object, env: Env) -> Result<()> {
    raw::export(&env, exports.raw(), api::FUNCTIONS)
}
