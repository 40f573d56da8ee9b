//! IP addresses as the wire carries them.

use std::net::IpAddr;

use crate::error::{Error, Result};

/// Parses an IP address, accepting IPv4-mapped IPv6 as the IPv4 address it carries: one
/// client must count as one address however its proxy spells it.
pub fn parse_ip(s: &str) -> Result<IpAddr> {
    let ip: IpAddr = s.parse().map_err(|_| Error::InvalidIp {
        value: s.chars().take(64).collect(),
    })?;
    Ok(ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapped_ipv6_is_the_ipv4_it_carries() {
        assert_eq!(
            parse_ip("::ffff:10.0.0.1").unwrap(),
            "10.0.0.1".parse::<IpAddr>().unwrap()
        );
        assert_eq!(parse_ip("nope").unwrap_err().code(), "invalid_ip");
    }
}
