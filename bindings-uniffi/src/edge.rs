//! The block response from the running client's edge policy, for a decision the JVM holds
//! (the one a `UserBlockedException` carries).

use vigil_core::edge::DecisionView;

use crate::client::with;
use crate::decision::BlockResponse;
use crate::errors::Result;

/// The response for decision `id` (`reason`, and `redirect_url` for a redirect decision),
/// negotiated on `accept`.
#[uniffi::export]
pub fn render_block(
    id: String,
    reason: String,
    redirect_url: Option<String>,
    accept: Option<String>,
) -> Result<BlockResponse> {
    let view = DecisionView {
        id: &id,
        reason: &reason,
        redirect_url: redirect_url.as_deref(),
    };
    with(|client| Ok(client.edge().render_block(view, accept.as_deref()).into()))
}
