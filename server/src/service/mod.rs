//! The operations the admin API (`http::admin`) and the dashboard both offer: each validates
//! its input, writes through the store and announces what changed, so that the two front ends
//! only translate requests and answers and can never disagree on the rules.

pub mod apps;
pub mod decisions;
pub mod incidents;
pub mod notifications;
pub mod users;
