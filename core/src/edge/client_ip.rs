//! The client's IP address behind reverse proxies (docs/configuration.md, "Client IP").
//!
//! A forwarding header is only as trustworthy as the hop that wrote it. It is read only when the
//! peer is a trusted proxy, and then from its right end: each entry was written by the hop to
//! its right, so an entry is believable only while everything to its right was trusted. The
//! first untrusted address is the client; anything further left could have been typed by the
//! client itself. One header is read, the one the operator's proxy sets: reading two (say
//! `Forwarded` and `X-Forwarded-For`) would let a client forge whichever the proxy passes
//! through untouched.

use std::net::IpAddr;

use ipnet::IpNet;

/// At most this many entries are examined from the right end. A chain of trusted proxies is a
/// handful of hops; past this the walk stops at the last address it reached.
pub const MAX_HOPS: usize = 32;

/// Which request header carries the client address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IpSource {
    /// `X-Forwarded-For`: a comma-separated list, one address per hop.
    XForwardedFor,
    /// RFC 7239 `Forwarded`: `for=` parameters, quoted or not, one element per hop.
    Forwarded,
    /// A header holding exactly one address set by the proxy (`X-Real-IP`, `CF-Connecting-IP`).
    /// Lower-case name.
    Single(String),
}

impl IpSource {
    /// From a header name, case-insensitively.
    pub fn from_header(name: &str) -> Option<IpSource> {
        let name = name.trim().to_ascii_lowercase();
        let token = |c: u8| c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c);
        if name.is_empty() || !name.bytes().all(token) {
            return None;
        }
        Some(match name.as_str() {
            "x-forwarded-for" => IpSource::XForwardedFor,
            "forwarded" => IpSource::Forwarded,
            _ => IpSource::Single(name),
        })
    }

    /// The lower-case name of the header to read.
    pub fn header(&self) -> &str {
        match self {
            IpSource::XForwardedFor => "x-forwarded-for",
            IpSource::Forwarded => "forwarded",
            IpSource::Single(name) => name,
        }
    }
}

/// Peer address + forwarding header -> client IP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientIpResolver {
    trusted: Vec<IpNet>,
    source: IpSource,
}

impl ClientIpResolver {
    pub fn new(trusted: Vec<IpNet>, source: IpSource) -> ClientIpResolver {
        ClientIpResolver { trusted, source }
    }

    /// The lower-case name of the one header [`resolve`](Self::resolve) needs.
    pub fn header(&self) -> &str {
        self.source.header()
    }

    pub fn source(&self) -> &IpSource {
        &self.source
    }

    pub fn trusted_proxies(&self) -> &[IpNet] {
        &self.trusted
    }

    pub fn is_trusted(&self, ip: &IpAddr) -> bool {
        self.trusted.iter().any(|net| net.contains(ip))
    }

    /// The client IP from the peer address (`1.2.3.4`, `1.2.3.4:80`, `[::1]:80`...) and the
    /// lines of the header named by [`header`](Self::header), in the order they arrived.
    /// `None` only when the peer is absent or not an IP address.
    pub fn resolve<'a, I>(&self, peer: Option<&str>, lines: I) -> Option<IpAddr>
    where
        I: IntoIterator<Item = &'a str>,
        I::IntoIter: DoubleEndedIterator,
    {
        let peer = parse_host(peer?)?;
        if !self.is_trusted(&peer) {
            return Some(peer);
        }
        Some(match &self.source {
            IpSource::Single(_) => single(lines).unwrap_or(peer),
            IpSource::XForwardedFor => self.walk(peer, lines, |line| line.rsplit(',').map(xff)),
            IpSource::Forwarded => self.walk(peer, lines, |line| {
                ElementsFromRight::new(line).map(forwarded_for)
            }),
        })
    }

    /// Right to left over every line's entries: the first untrusted address is the client. A
    /// malformed entry ends the walk, and so does the hop limit: the answer is then the last
    /// address reached, which a trusted hop vouched for.
    fn walk<'a, I, E>(&self, peer: IpAddr, lines: I, entries: impl Fn(&'a str) -> E) -> IpAddr
    where
        I: IntoIterator<Item = &'a str>,
        I::IntoIter: DoubleEndedIterator,
        E: Iterator<Item = Entry>,
    {
        let mut client = peer;
        let mut hops = 0;
        for line in lines.into_iter().rev() {
            for entry in entries(line) {
                let ip = match entry {
                    Entry::Empty => continue,
                    Entry::Bad => return client,
                    Entry::Ip(ip) => ip,
                };
                client = ip;
                hops += 1;
                if !self.is_trusted(&ip) || hops == MAX_HOPS {
                    return client;
                }
            }
        }
        client
    }
}

enum Entry {
    /// An empty list element (`a,,b`): ignored, as RFC 9110 lists ask.
    Empty,
    Bad,
    Ip(IpAddr),
}

fn xff(text: &str) -> Entry {
    let text = text.trim_matches(is_ows);
    if text.is_empty() {
        return Entry::Empty;
    }
    parse_host(text).map_or(Entry::Bad, Entry::Ip)
}

/// A single-value header: exactly one line holding one address, else nothing.
fn single<'a>(lines: impl IntoIterator<Item = &'a str>) -> Option<IpAddr> {
    let mut lines = lines
        .into_iter()
        .filter(|l| !l.trim_matches(is_ows).is_empty());
    let line = lines.next()?;
    if lines.next().is_some() || line.contains(',') {
        return None;
    }
    parse_host(line)
}

/// The `for=` node of one `Forwarded` element (`for=192.0.2.60;proto=http;by=...`).
fn forwarded_for(element: &str) -> Entry {
    let element = element.trim_matches(is_ows);
    if element.is_empty() {
        return Entry::Empty;
    }
    let mut node = None;
    for pair in element.split(';') {
        let Some((name, value)) = pair.split_once('=') else {
            return Entry::Bad;
        };
        if name.trim_matches(is_ows).eq_ignore_ascii_case("for") {
            if node.is_some() {
                return Entry::Bad;
            }
            node = Some(value.trim_matches(is_ows));
        }
    }
    let Some(value) = node else {
        return Entry::Bad;
    };
    let value = match value.strip_prefix('"') {
        Some(rest) => match rest.strip_suffix('"') {
            // Quoted-pairs never occur in an address; one here is not an address.
            Some(inner) if !inner.contains(['"', '\\']) => inner,
            _ => return Entry::Bad,
        },
        None => value,
    };
    // `unknown` and obfuscated nodes (`_hidden`) name no address: the walk cannot go past.
    parse_host(value).map_or(Entry::Bad, Entry::Ip)
}

/// `Forwarded` elements from the right, splitting on commas outside quoted strings.
struct ElementsFromRight<'a> {
    rest: Option<&'a str>,
}

impl<'a> ElementsFromRight<'a> {
    fn new(line: &'a str) -> Self {
        ElementsFromRight { rest: Some(line) }
    }
}

impl<'a> Iterator for ElementsFromRight<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        let mut quoted = false;
        for (i, b) in rest.bytes().enumerate().rev() {
            match b {
                b'"' => quoted = !quoted,
                b',' if !quoted => {
                    self.rest = Some(&rest[..i]);
                    return Some(&rest[i + 1..]);
                }
                _ => {}
            }
        }
        self.rest = None;
        Some(rest)
    }
}

fn is_ows(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// An address as peers and proxies write it: `1.2.3.4`, `1.2.3.4:80`, `2001:db8::1`,
/// `[2001:db8::1]`, `[2001:db8::1]:443`, `fe80::1%eth0`. The port and zone are dropped and an
/// IPv4-mapped IPv6 address becomes the IPv4 address it carries. Anything else is `None`.
pub fn parse_host(text: &str) -> Option<IpAddr> {
    let text = text.trim_matches(is_ows);
    let host = if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        if !(after.is_empty() || after.strip_prefix(':').is_some_and(is_port)) {
            return None;
        }
        if !host.contains(':') {
            return None;
        }
        host
    } else {
        match text.split_once(':') {
            Some((host, port)) if !port.contains(':') => {
                if !is_port(port) {
                    return None;
                }
                host
            }
            _ => text,
        }
    };
    let host = match host.split_once('%') {
        Some((addr, zone)) if addr.contains(':') && !zone.is_empty() => addr,
        Some(_) => return None,
        None => host,
    };
    host.parse::<IpAddr>().ok().map(|ip| ip.to_canonical())
}

fn is_port(text: &str) -> bool {
    (1..=5).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loopback() -> ClientIpResolver {
        ClientIpResolver::new(
            vec!["127.0.0.0/8".parse().unwrap(), "::1/128".parse().unwrap()],
            IpSource::XForwardedFor,
        )
    }

    #[test]
    fn hosts() {
        let ok = [
            ("1.2.3.4", "1.2.3.4"),
            ("1.2.3.4:80", "1.2.3.4"),
            ("[2001:db8::1]:443", "2001:db8::1"),
            ("2001:db8::1", "2001:db8::1"),
            ("fe80::1%eth0", "fe80::1"),
            ("[::ffff:192.0.2.1]:9", "192.0.2.1"),
        ];
        for (text, want) in ok {
            assert_eq!(parse_host(text), Some(want.parse().unwrap()), "{text}");
        }
        for bad in [
            "",
            "1.2.3.4:",
            "1.2.3.4:123456",
            "[1.2.3.4]",
            "01.2.3.4",
            "x",
            "1.2.3.4%0",
        ] {
            assert_eq!(parse_host(bad), None, "{bad}");
        }
    }

    #[test]
    fn walks_from_the_right() {
        let r = loopback();
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        assert_eq!(
            r.resolve(Some("127.0.0.1:1"), ["6.6.6.6, 203.0.113.5"]),
            ip("203.0.113.5")
        );
        assert_eq!(
            r.resolve(Some("198.51.100.1"), ["203.0.113.5"]),
            ip("198.51.100.1")
        );
        assert_eq!(
            r.resolve(Some("127.0.0.1"), ["junk, 127.0.0.2"]),
            ip("127.0.0.2")
        );
        assert_eq!(r.resolve(None, ["203.0.113.5"]), None);
        let long = "127.0.0.9,".repeat(40) + "127.0.0.1";
        assert_eq!(
            r.resolve(Some("127.0.0.1"), [long.as_str()]),
            ip("127.0.0.9")
        );
    }

    #[test]
    fn forwarded_elements() {
        let got: Vec<&str> = ElementsFromRight::new("for=a, for=\"b,c\",for=d")
            .map(str::trim)
            .collect();
        assert_eq!(got, ["for=d", "for=\"b,c\"", "for=a"]);
    }
}
