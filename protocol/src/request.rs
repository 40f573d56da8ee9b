//! Where a call happened, when a middleware knows the current request.

use std::net::IpAddr;

use crate::device::DeviceId;
use crate::error::Result;
use crate::ip::parse_ip;
use crate::limits::MAX_REQUEST_FIELD_BYTES;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestContext {
    /// The client IP after the trusted-proxy rules.
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
    pub method: Option<String>,
    pub path: Option<String>,
    /// The device, from the middleware's signed cookie (never from anything unsigned).
    pub device: Option<DeviceId>,
}

impl RequestContext {
    /// Builds a context from raw strings, rejecting an unparsable IP and truncating long fields
    /// (a user agent is attacker-controlled; it must not make the event invalid).
    pub fn from_parts(
        ip: Option<&str>,
        user_agent: Option<&str>,
        method: Option<&str>,
        path: Option<&str>,
    ) -> Result<RequestContext> {
        let ip = match ip.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Some(parse_ip(s)?),
            None => None,
        };
        Ok(RequestContext {
            ip,
            user_agent: user_agent.map(clean_field),
            method: method.map(clean_field),
            path: path.map(clean_field),
            device: None,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.ip.is_none()
            && self.user_agent.is_none()
            && self.method.is_none()
            && self.path.is_none()
            && self.device.is_none()
    }
}

fn clean_field(s: &str) -> String {
    let mut end = s.len().min(MAX_REQUEST_FIELD_BYTES);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].chars().filter(|c| !c.is_control()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_context_parses_ips() {
        let ctx =
            RequestContext::from_parts(Some("::ffff:10.0.0.1"), Some("ua\n"), None, None).unwrap();
        assert_eq!(ctx.ip, Some("10.0.0.1".parse().unwrap()));
        assert_eq!(ctx.user_agent.as_deref(), Some("ua"));
        assert_eq!(
            RequestContext::from_parts(Some("nope"), None, None, None)
                .unwrap_err()
                .code(),
            "invalid_ip"
        );
    }
}
