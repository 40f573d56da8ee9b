//! Vigil's C ABI: a stable, panic-free surface over `vigil-core` that the Go SDK (and any other
//! language with a C FFI) sits on. The header `include/vigil.h` is generated from this crate by
//! cbindgen and committed; `make test` checks it is current.
//!
//! Conventions: every function returns an `int32_t` status (`VIGIL_OK`, a positive outcome such
//! as `VIGIL_BLOCKED`, or a negative error) unless it cannot fail; the message of the last error
//! on the calling thread is `vigil_last_error()`. Strings are passed as (pointer, length) pairs of
//! UTF-8 and never need a terminating NUL; a NULL pointer with length 0 means "absent".

#![allow(non_camel_case_types)]
#![allow(clippy::missing_safety_doc)]

mod check;
mod client;
mod device;
mod edge;
mod normalize;
mod status;
mod track;
mod types;
mod verdict;

pub use check::*;
pub use client::*;
pub use device::*;
pub use edge::*;
pub use normalize::*;
pub use status::*;
pub use track::*;
pub use types::*;
pub use verdict::*;

/// Link-time ABI check. Bindings that ship a prebuilt library (Go) call this symbol, so a library
/// from another ABI version fails to link instead of misbehaving. Renamed whenever the ABI
/// changes incompatibly.
#[no_mangle]
pub extern "C" fn vigil_abi_v1() {}
