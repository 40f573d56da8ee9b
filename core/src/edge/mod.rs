//! The HTTP edge every SDK shares: who the client is behind proxies, which device it is (a
//! signed cookie), and what a blocked request gets back. Bindings only read the peer address
//! and headers from their framework's request and write what they are given; the policy is
//! here, once.

pub mod block;
pub mod client_ip;
pub mod device;
mod settings;

pub use block::{BlockPage, DecisionView, Response};
pub use client_ip::{ClientIpResolver, IpSource};
pub use device::{DeviceCookie, DeviceRead};
pub use settings::{Edge, KEYS};
