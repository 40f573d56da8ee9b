//! The v1 wire format (docs/protocol.md), defined in `vigil-protocol`.

pub use vigil_protocol::wire::*;
