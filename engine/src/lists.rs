//! Reloadable lists: disposable email domains and listed networks (e.g. Tor exit nodes).

use std::collections::HashSet;
use std::net::IpAddr;
use std::path::Path;
use std::str::FromStr;

use ipnet::IpNet;

use crate::config::ListsConfig;
use crate::EngineError;

type Set<T> = HashSet<T, foldhash::fast::RandomState>;

/// The disposable domain list shipped with the crate (source and licence in its header).
pub const BUILTIN_DISPOSABLE_DOMAINS: &str = include_str!("../data/disposable_domains.txt");

#[derive(Debug, Clone, Default)]
pub struct NetworkLists {
    domains: Set<Box<str>>,
    addrs: Set<IpAddr>,
    /// Networks as (is_v6, prefix length, masked address bits).
    nets: Set<(bool, u8, u128)>,
    /// The prefix lengths present, so a lookup costs one probe per length, not per network.
    prefix_lens: Vec<(bool, u8)>,
}

fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.split('#').next().unwrap_or("").trim()))
        .filter(|(_, l)| !l.is_empty())
}

fn bits(ip: IpAddr) -> (bool, u128) {
    match ip.to_canonical() {
        IpAddr::V4(a) => (false, u128::from(u32::from(a))),
        IpAddr::V6(a) => (true, u128::from(a)),
    }
}

fn mask(v6: bool, len: u8, bits: u128) -> u128 {
    let width = if v6 { 128 } else { 32 };
    if len == 0 {
        0
    } else {
        bits & (u128::MAX << (width - u32::from(len)))
    }
}

impl NetworkLists {
    /// No domains, no networks.
    pub fn empty() -> Self {
        Self::default()
    }

    /// The built-in disposable domains and no networks: what `Engine::new` starts with.
    pub fn builtin() -> Self {
        let mut l = Self::empty();
        l.add_domains(BUILTIN_DISPOSABLE_DOMAINS);
        l
    }

    /// Builds the lists a configuration names (this is the I/O the engine itself never does).
    pub fn load(cfg: &ListsConfig) -> Result<Self, EngineError> {
        let mut l = if cfg.builtin_disposable_domains {
            Self::builtin()
        } else {
            Self::empty()
        };
        for p in &cfg.disposable_domain_files {
            l.load_domain_file(p)?;
        }
        for p in &cfg.network_files {
            l.load_network_file(p)?;
        }
        Ok(l)
    }

    /// Adds domains, one per line, `#` comments; returns how many lines were read.
    pub fn add_domains(&mut self, text: &str) -> usize {
        let mut n = 0;
        for (_, l) in lines(text) {
            let d = l.trim_end_matches('.').to_ascii_lowercase();
            self.domains.insert(d.into_boxed_str());
            n += 1;
        }
        n
    }

    pub fn load_domain_file(&mut self, path: &Path) -> Result<usize, EngineError> {
        let text = std::fs::read_to_string(path).map_err(|e| EngineError::io(path, e))?;
        Ok(self.add_domains(&text))
    }

    /// Adds IPs and CIDR networks, one per line, `#` comments. `source` names the text in errors.
    pub fn add_networks(&mut self, text: &str, source: &Path) -> Result<usize, EngineError> {
        let mut n = 0;
        for (line, l) in lines(text) {
            if let Ok(ip) = IpAddr::from_str(l) {
                self.add_ip(ip);
            } else if let Ok(net) = IpNet::from_str(l) {
                self.add_net(net);
            } else {
                return Err(EngineError::ListLine {
                    path: source.to_path_buf(),
                    line,
                    text: l.to_string(),
                });
            }
            n += 1;
        }
        Ok(n)
    }

    pub fn load_network_file(&mut self, path: &Path) -> Result<usize, EngineError> {
        let text = std::fs::read_to_string(path).map_err(|e| EngineError::io(path, e))?;
        self.add_networks(&text, path)
    }

    pub fn add_ip(&mut self, ip: IpAddr) {
        self.addrs.insert(ip.to_canonical());
    }

    pub fn add_net(&mut self, net: IpNet) {
        let (v6, b) = bits(net.network());
        let len = net.prefix_len();
        if len == net.max_prefix_len() {
            self.add_ip(net.network());
            return;
        }
        self.nets.insert((v6, len, mask(v6, len, b)));
        if !self.prefix_lens.contains(&(v6, len)) {
            self.prefix_lens.push((v6, len));
            // Longest first: the most specific match is found first.
            self.prefix_lens.sort_by_key(|p| std::cmp::Reverse(p.1));
        }
    }

    /// Whether the domain or one of its parent domains is listed (`x.mailinator.com` counts).
    pub fn is_disposable(&self, domain: &str) -> bool {
        if self.domains.is_empty() {
            return false;
        }
        let mut d = domain.trim_end_matches('.');
        loop {
            if self.domains.contains(d) {
                return true;
            }
            match d.split_once('.') {
                Some((_, rest)) if rest.contains('.') => d = rest,
                _ => return false,
            }
        }
    }

    pub fn is_listed(&self, ip: IpAddr) -> bool {
        if self.addrs.is_empty() && self.nets.is_empty() {
            return false;
        }
        let ip = ip.to_canonical();
        if self.addrs.contains(&ip) {
            return true;
        }
        let (v6, b) = bits(ip);
        self.prefix_lens
            .iter()
            .filter(|(pv6, _)| *pv6 == v6)
            .any(|&(_, len)| self.nets.contains(&(v6, len, mask(v6, len, b))))
    }

    pub fn domain_count(&self) -> usize {
        self.domains.len()
    }

    pub fn network_count(&self) -> usize {
        self.addrs.len() + self.nets.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_has_well_known_domains() {
        let l = NetworkLists::builtin();
        assert!(l.domain_count() > 1000);
        for d in [
            "mailinator.com",
            "yopmail.com",
            "guerrillamail.com",
            "sub.mailinator.com",
        ] {
            assert!(l.is_disposable(d), "{d}");
        }
        for d in ["gmail.com", "example.org", "com"] {
            assert!(!l.is_disposable(d), "{d}");
        }
    }

    #[test]
    fn networks_and_addresses() {
        let mut l = NetworkLists::empty();
        let n = l
            .add_networks(
                "# tor exits\n198.51.100.7\n203.0.113.0/24 # a range\n2001:db8::/32\n\n",
                Path::new("test"),
            )
            .unwrap();
        assert_eq!(n, 3);
        let yes = [
            "198.51.100.7",
            "203.0.113.200",
            "2001:db8::1",
            "::ffff:203.0.113.5",
        ];
        for ip in yes {
            assert!(l.is_listed(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["198.51.100.8", "203.0.114.1", "2001:db9::1"] {
            assert!(!l.is_listed(ip.parse().unwrap()), "{ip}");
        }
        let err = l.add_networks("10.0.0.1\nnot-an-ip\n", Path::new("f.txt"));
        assert!(matches!(err, Err(EngineError::ListLine { line: 2, .. })));
    }
}
