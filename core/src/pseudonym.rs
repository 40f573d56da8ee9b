//! Pseudonymization of identifier values (`pii = "hash"`), defined in `vigil-protocol`.

pub use vigil_protocol::pseudonym::Pseudonymizer;
