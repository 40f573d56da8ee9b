//! The error type, defined with the rules that raise it in `vigil-protocol`.

pub use vigil_protocol::error::{Error, ErrorKind, Result};
