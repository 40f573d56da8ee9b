//! The edge settings, under one name each in every config layer: `[edge]` in `vigil.toml`,
//! `VIGIL_TRUSTED_PROXIES`..., and code options (docs/configuration.md, "HTTP edge").

use std::net::IpAddr;

use ipnet::IpNet;

use super::block::{is_safe_redirect, BlockPage, DecisionView, Response};
use super::client_ip::{ClientIpResolver, IpSource};
use super::device::{DeviceCookie, DeviceRead};
use crate::error::{Error, Result};

/// The edge option names (also `VIGIL_` + upper case, and keys of `[edge]`).
pub const KEYS: &[&str] = &[
    "trusted_proxies",
    "client_ip_header",
    "block_status",
    "block_redirect",
    "block_html",
    "block_json",
    "block_body",
    "block_content_type",
    "device_cookie",
    "device_cookie_secure",
    "device_cookie_max_age",
    "device_secret",
];

const LOOPBACK: &[&str] = &["127.0.0.0/8", "::1/128"];
const PRIVATE: &[&str] = &["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"];
const LINK_LOCAL: &[&str] = &["169.254.0.0/16", "fe80::/10"];

/// Client-IP resolution, the block response and the device cookie, as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    resolver: ClientIpResolver,
    block: BlockPage,
    device: DeviceCookie,
}

impl Default for Edge {
    fn default() -> Edge {
        Edge {
            // Only loopback: a private range holds other tenants' machines in most clouds
            // and VPNs, and every one of them could then forge its clients' addresses.
            resolver: ClientIpResolver::new(named(LOOPBACK), IpSource::XForwardedFor),
            block: BlockPage::default(),
            device: DeviceCookie::default(),
        }
    }
}

fn named(nets: &[&str]) -> Vec<IpNet> {
    nets.iter()
        .map(|n| n.parse().expect("built-in network"))
        .collect()
}

impl Edge {
    /// Sets one option from its text form; `Ok(false)` when `key` is not an edge option.
    pub fn set(&mut self, key: &str, value: &str) -> Result<bool> {
        let bad = |what: &str| Error::Config(format!("{key}: {what}, got {value:?}"));
        let text = || Some(value.to_owned()).filter(|v| !v.trim().is_empty());
        match key {
            "trusted_proxies" => {
                let nets = parse_proxies(value).map_err(|e| bad(&e))?;
                self.resolver = ClientIpResolver::new(nets, self.resolver.source().clone());
            }
            "client_ip_header" => {
                let source = IpSource::from_header(value)
                    .ok_or_else(|| bad("expected an HTTP header name"))?;
                self.resolver =
                    ClientIpResolver::new(self.resolver.trusted_proxies().to_vec(), source);
            }
            "block_status" => {
                self.block.status = value
                    .trim()
                    .parse::<u16>()
                    .ok()
                    .filter(|s| (200..300).contains(s) || (400..600).contains(s))
                    .ok_or_else(|| {
                        bad("expected a 2xx, 4xx or 5xx status (redirects use block_redirect)")
                    })?;
            }
            "block_redirect" => {
                self.block.redirect = match text() {
                    Some(url) if is_safe_redirect(url.trim()) => Some(url.trim().to_owned()),
                    Some(_) => {
                        return Err(bad("expected an http(s) URL or a path starting with one /"))
                    }
                    None => None,
                }
            }
            "block_html" => {
                self.block.html = text().unwrap_or_else(|| super::block::DEFAULT_HTML.to_owned())
            }
            "block_json" => {
                self.block.json = match text() {
                    Some(json) => {
                        serde_json::from_str::<serde_json::Value>(&json)
                            .map_err(|e| bad(&format!("expected a JSON document ({e})")))?;
                        Some(json)
                    }
                    None => None,
                }
            }
            "block_body" => self.block.body = text(),
            "block_content_type" => {
                self.block.content_type = match text() {
                    Some(ct) if ct.contains('/') && !ct.chars().any(char::is_control) => {
                        Some(ct.trim().to_owned())
                    }
                    Some(_) => return Err(bad("expected a media type such as text/plain")),
                    None => None,
                }
            }
            "device_cookie" => self.device.set_name(value).map_err(|e| bad(&e))?,
            "device_cookie_secure" => self
                .device
                .set_secure(parse_bool(value).ok_or_else(|| bad("expected true or false"))?),
            "device_cookie_max_age" => self.device.set_max_age(value).map_err(|e| bad(&e))?,
            // The value stays out of the message: it is a secret.
            "device_secret" => self
                .device
                .set_secret(value)
                .map_err(|e| Error::Config(format!("{key}: {e}")))?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Derives the device cookie's key from the app token (`token` in the configuration),
    /// unless `device_secret` is set.
    pub(crate) fn set_token(&mut self, token: Option<&str>) {
        self.device.set_token(token);
    }

    /// What no single option can check.
    pub fn validate(&self) -> Result<()> {
        self.device.validate()?;
        match (&self.block.body, &self.block.content_type) {
            (Some(_), None) => Err(Error::Config(
                "block_body needs block_content_type (VIGIL_BLOCK_CONTENT_TYPE)".into(),
            )),
            (None, Some(_)) => Err(Error::Config(
                "block_content_type is set but block_body is not".into(),
            )),
            _ => Ok(()),
        }
    }

    pub fn resolver(&self) -> &ClientIpResolver {
        &self.resolver
    }

    pub fn block_page(&self) -> &BlockPage {
        &self.block
    }

    /// The lower-case name of the header that [`client_ip`](Self::client_ip) reads.
    pub fn client_ip_header(&self) -> &str {
        self.resolver.header()
    }

    /// The client IP of a request: its peer address and the lines of
    /// [`client_ip_header`](Self::client_ip_header), in order.
    pub fn client_ip<'a, I>(&self, peer: Option<&str>, lines: I) -> Option<IpAddr>
    where
        I: IntoIterator<Item = &'a str>,
        I::IntoIter: DoubleEndedIterator,
    {
        self.resolver.resolve(peer, lines)
    }

    /// The request's device from its `Cookie` header (several joined with `"; "`): the
    /// signed cookie's id, else a fresh id with the `Set-Cookie` to send. Nothing when
    /// `device_cookie` is empty. Call it once per request and put the device in its
    /// `RequestContext`.
    pub fn device(&self, cookie_header: Option<&str>) -> DeviceRead {
        self.device.read(cookie_header)
    }

    /// [`device`](Self::device) for a request whose response the caller may not be able to
    /// add a header to (`can_set_cookie` false: no middleware around it). Then only a valid
    /// cookie gives a device, never a fresh one that would be new on every request.
    pub fn device_for(&self, cookie_header: Option<&str>, can_set_cookie: bool) -> DeviceRead {
        if can_set_cookie {
            return self.device.read(cookie_header);
        }
        DeviceRead {
            device: cookie_header.and_then(|h| self.device.known(h)),
            set_cookie: None,
        }
    }

    pub fn device_cookie(&self) -> &DeviceCookie {
        &self.device
    }

    /// The response to a request blocked by `decision`.
    pub fn render_block(&self, decision: DecisionView<'_>, accept: Option<&str>) -> Response {
        self.block.render(decision, accept)
    }
}

/// The spellings of a boolean every config layer accepts (as `Config::set` does).
fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// `loopback`, `private`, `link_local`, `none`, addresses and networks, comma-separated.
fn parse_proxies(value: &str) -> std::result::Result<Vec<IpNet>, String> {
    let mut nets = Vec::new();
    for item in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match item.to_ascii_lowercase().as_str() {
            "loopback" => nets.extend(named(LOOPBACK)),
            "private" => nets.extend(named(PRIVATE)),
            "link_local" | "linklocal" => nets.extend(named(LINK_LOCAL)),
            "none" => {}
            _ => {
                let net = match item.parse::<IpNet>() {
                    Ok(net) => net.trunc(),
                    Err(_) => match item.parse::<IpAddr>() {
                        Ok(ip) => IpNet::from(ip.to_canonical()),
                        Err(_) => return Err(format!("{item:?} is not an address or network")),
                    },
                };
                nets.push(net);
            }
        }
    }
    Ok(nets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options() {
        let mut e = Edge::default();
        assert!(e
            .set("trusted_proxies", "loopback, 10.0.0.0/8, 192.0.2.1")
            .unwrap());
        assert_eq!(e.resolver().trusted_proxies().len(), 4);
        assert!(e.set("trusted_proxies", "10.0.0.0/33").is_err());
        assert!(e.set("client_ip_header", "CF-Connecting-IP").unwrap());
        assert_eq!(e.client_ip_header(), "cf-connecting-ip");
        assert!(e.set("client_ip_header", "bad header").is_err());
        assert!(e.set("block_status", "302").is_err());
        assert!(e.set("block_redirect", "//evil.example").is_err());
        assert!(e.set("block_json", "{not json").is_err());
        e.set("block_body", "no").unwrap();
        assert!(e.validate().is_err());
        e.set("block_content_type", "text/plain").unwrap();
        assert!(e.validate().is_ok());
        assert!(!e.set("url", "x").unwrap());
    }
}
