//! Hooks for the shared vectors (tests/vectors/assess.json): the JVM SDK's own tests reach them
//! through a package-private class; they are not part of its API.

use vigil_core::{DeviceId, RequestContext, UserKey};

use crate::client::with;
use crate::decision::Verdict;
use crate::errors::{config, Result};

/// Applies one decision-feed answer to the running client; returns how many entries it
/// could not parse.
#[uniffi::export]
pub fn testing_apply_feed(feed_json: String) -> Result<i64> {
    let feed: vigil_core::wire::DecisionFeed =
        serde_json::from_str(&feed_json).map_err(|e| config(format!("feed_json: {e}")))?;
    with(|client| Ok(client.decisions().apply_feed(&feed) as i64))
}

/// `assess` by user key, IP and device, as the vectors give them.
#[uniffi::export]
pub fn testing_assess_key(
    user_key: Option<String>,
    ip: Option<String>,
    device: Option<String>,
) -> Result<Verdict> {
    let key = user_key.map(|k| k.parse::<UserKey>()).transpose()?;
    let mut ctx = RequestContext::from_parts(ip.as_deref(), None, None, None)?;
    ctx.device = device
        .map(|d| d.parse::<DeviceId>())
        .transpose()
        .map_err(|()| config("a device is 32 lower-case hex digits"))?;
    with(|client| Ok(Verdict::from(&client.assess(key.as_ref(), Some(&ctx)))))
}
