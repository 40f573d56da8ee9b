//! Decisions and verdicts as they reach the JVM: copied out once, when there is one.

use std::sync::Arc;

use vigil_core::{Action, Assessment, Target};

/// A ban or challenge decision.
#[derive(uniffi::Record)]
pub struct Decision {
    pub id: String,
    /// `block`, `redirect` or `challenge`.
    pub action: String,
    /// `user`, `ip` or `cidr`.
    pub scope: String,
    /// The user key, IP or network it covers.
    pub value: String,
    pub reason: String,
    /// Unix milliseconds; none: it never expires.
    pub expires_at_ms: Option<i64>,
    /// The redirect target of a `redirect` decision.
    pub redirect_url: Option<String>,
}

impl From<&vigil_core::Decision> for Decision {
    fn from(d: &vigil_core::Decision) -> Decision {
        let (scope, value) = match &d.target {
            Target::User(u) => ("user", u.to_string()),
            Target::Ip(ip) => ("ip", ip.to_string()),
            Target::Cidr(net) => ("cidr", net.to_string()),
        };
        let (action, redirect_url) = match &d.action {
            Action::Block => ("block", None),
            Action::Redirect { url } => ("redirect", Some(url.clone())),
            Action::Challenge => ("challenge", None),
        };
        Decision {
            id: d.id.clone(),
            action: action.to_owned(),
            scope: scope.to_owned(),
            value,
            reason: d.reason.clone(),
            expires_at_ms: d.expires_at_ms,
            redirect_url,
        }
    }
}

impl From<&Arc<vigil_core::Decision>> for Decision {
    fn from(d: &Arc<vigil_core::Decision>) -> Decision {
        Decision::from(&**d)
    }
}

/// What `assess` answers: the verdict and the decisions behind it, the user's first.
#[derive(uniffi::Record)]
pub struct Verdict {
    /// `allow`, `challenge` or `deny`.
    pub verdict: String,
    pub decisions: Vec<Decision>,
}

impl From<&Assessment> for Verdict {
    fn from(a: &Assessment) -> Verdict {
        Verdict {
            verdict: a.verdict.as_str().to_owned(),
            decisions: a.decisions.iter().map(Decision::from).collect(),
        }
    }
}

/// A block response, rendered by the core's edge policy (docs/protocol.md, "Block response").
#[derive(uniffi::Record)]
pub struct BlockResponse {
    pub status: i32,
    /// Flat `name, value` list, in order.
    pub headers: Vec<String>,
    pub body: Vec<u8>,
}

impl From<vigil_core::edge::block::Response> for BlockResponse {
    fn from(r: vigil_core::edge::block::Response) -> BlockResponse {
        let mut headers = Vec::with_capacity(r.headers.len() * 2);
        for (name, value) in r.headers {
            headers.push(name.to_owned());
            headers.push(value);
        }
        BlockResponse {
            status: i32::from(r.status),
            headers,
            body: r.body,
        }
    }
}
