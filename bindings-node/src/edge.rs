//! The HTTP edge for the Express glue: the client IP of a request and the block response come
//! from the core's policy (the client's `[edge]` settings); JS only reads `req` and writes `res`.

use napi::bindgen_prelude::{Buffer, JsObjectValue, Object};
use napi::sys::napi_value;
use napi::{Env, JsValue, Result};
use vigil_core::edge::DecisionView;
use vigil_core::Action;

use crate::client::with_client;
use crate::raw::Call;
use crate::request;

/// A rendered block response: `headers` is flat (`name, value, name, value...`).
#[napi(object)]
pub struct BlockResponse {
    pub status: u32,
    pub headers: Vec<String>,
    pub body: Buffer,
}

/// The lower-case name of the header the client IP is read from (`x-forwarded-for`...).
#[napi]
pub fn client_ip_header(env: Env) -> Result<String> {
    with_client(&env, |c| Ok(c.edge().client_ip_header().to_owned()))
}

/// The response to a request blocked by a decision with these fields, for its `Accept`.
#[napi]
pub fn render_block(
    env: Env,
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
    let r = with_client(&env, |c| Ok(c.edge().render_block(view, accept.as_deref())))?;
    Ok(BlockResponse {
        status: u32::from(r.status),
        headers: r
            .headers
            .into_iter()
            .flat_map(|(k, v)| [k.to_owned(), v])
            .collect(),
        body: r.body.into(),
    })
}

/// `decisionOf(req, ipOnly)` -> `{ id, reason, redirectUrl }` of the decision blocking the
/// request (its user, else its IP; only its IP with `ipOnly`), or `undefined`. Called once a
/// check said "blocked", to render the response.
pub(crate) fn decision_of(call: &Call) -> Result<napi_value> {
    let ip_only = call.opt_bool(call.arg(1), "ipOnly")?.unwrap_or(false);
    let decision = match request::get(call, call.arg(0))? {
        Some(r) => r.with_client(call, |c| {
            Ok(match ip_only {
                true => r.ctx.ip.as_ref().and_then(|ip| c.ip_decision(ip)),
                false => c.check(r.user.get().as_ref(), r.ctx.ip.as_ref(), r.ctx.device),
            })
        })?,
        None => None,
    };
    let Some(d) = decision else {
        return call.undefined();
    };
    let mut out = Object::new(&call.env)?;
    out.set_named_property("id", d.id.as_str())?;
    out.set_named_property("reason", d.reason.as_str())?;
    if let Action::Redirect { url } = &d.action {
        out.set_named_property("redirectUrl", url.as_str())?;
    }
    Ok(out.raw())
}
