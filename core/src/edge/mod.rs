//! The HTTP edge every SDK shares: who the client is behind proxies, and what a blocked request
//! gets back. Bindings only read the peer address and headers from their framework's request
//! and write the rendered response; the policy is here, once.

pub mod block;
pub mod client_ip;
mod settings;

pub use block::{BlockPage, DecisionView, Response};
pub use client_ip::{ClientIpResolver, IpSource};
pub use settings::{Edge, KEYS};
