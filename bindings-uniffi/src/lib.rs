//! `vigil-uniffi`: vigil-core behind a uniffi interface, the native half of the JVM SDK
//! (`bindings-jvm`, Kotlin bindings over JNA generated at build time).
//!
//! The interface is shaped for the JNA call path rather than for reading: every call that a
//! request makes is a method of [`Request`], which carries the request's context and the user
//! it identified, so no call lowers an optional object; identifiers cross as one flat list of
//! strings (`key, value, key, value`), in call order, with no map to hash on either side; the
//! ban check answers a `bool`, and the decision is fetched only when there is one. uniffi
//! catches every panic at the boundary (the JVM gets an exception, never an abort).

uniffi::setup_scaffolding!("vigil");

mod client;
mod decision;
mod edge;
mod errors;
mod fast;
mod ids;
mod logs;
mod properties;
mod request;
mod testing;

pub use errors::FfiError;
