//! Which client address a request came from, when Fuwu runs behind reverse
//! proxies. Only a connection from a configured trusted proxy may name the
//! client in `X-Forwarded-For`; anyone else's header is ignored, so a client
//! cannot pick an address to escape login throttling or to write into the
//! audit log.
//!
//! With trusted peers, the header is read from the right (the hop nearest to
//! us) and the first address that is not itself a trusted proxy is the
//! client: entries left of it were written by the client or by proxies we do
//! not know, and are not believed.

use std::net::IpAddr;

/// One trusted network: an address and a prefix length (`10.0.0.0/8`,
/// `::1/128`; a bare address is a single host).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Parse `a.b.c.d`, `a.b.c.d/n`, an IPv6 address or `addr/n`.
    pub fn parse(s: &str) -> Result<Cidr, String> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| format!("`{s}` is not an IP address or CIDR network"))?;
        let addr = canonical(addr);
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("`{s}`: the prefix length must be 0–{max}"))?,
        };
        Ok(Cidr { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// An IPv4 address written as IPv6 (`::ffff:10.0.0.1`) is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// An `X-Forwarded-For` entry: an address, possibly with a port
/// (`10.0.0.1:5123`, `[2001:db8::1]:443`).
fn parse_hop(s: &str) -> Option<IpAddr> {
    let s = s.trim().trim_matches('"');
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    s.parse::<std::net::SocketAddr>()
        .ok()
        .map(|a| canonical(a.ip()))
}

/// The proxies whose `X-Forwarded-For` is believed (none by default).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Cidr>);

impl TrustedProxies {
    /// Parse a list of addresses and networks; entries may also be
    /// comma-separated within one string (as in `FUWU_TRUSTED_PROXIES`).
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<TrustedProxies, String> {
        let mut out = Vec::new();
        for e in entries {
            for part in e
                .as_ref()
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
            {
                out.push(Cidr::parse(part)?);
            }
        }
        Ok(TrustedProxies(out))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|c| c.contains(ip))
    }

    /// The client's address: the TCP peer, unless the peer is a trusted
    /// proxy; then the right-most `X-Forwarded-For` entry that is not a
    /// trusted proxy (the left-most entry when every one is trusted). An
    /// unreadable entry stops the walk at the hop that wrote it. `forwarded`
    /// are the header's values in the order received.
    pub fn client_addr<'a>(
        &self,
        peer: Option<IpAddr>,
        forwarded: impl IntoIterator<Item = &'a str>,
    ) -> String {
        let Some(peer) = peer.map(canonical) else {
            return String::new();
        };
        if !self.trusts(peer) {
            return peer.to_string();
        }
        let hops: Vec<&str> = forwarded.into_iter().flat_map(|v| v.split(',')).collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Some(ip) = parse_hop(hop) else { break };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        client.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    fn proxies(list: &[&str]) -> TrustedProxies {
        TrustedProxies::parse(list).unwrap()
    }

    #[test]
    fn networks_and_single_addresses_parse_and_match() {
        let p = proxies(&["10.0.0.0/8, 192.168.1.5", "::1", "fd00::/8"]);
        assert!(p.trusts("10.200.3.4".parse().unwrap()));
        assert!(!p.trusts("11.0.0.1".parse().unwrap()));
        assert!(p.trusts("192.168.1.5".parse().unwrap()));
        assert!(!p.trusts("192.168.1.6".parse().unwrap()));
        assert!(p.trusts("::1".parse().unwrap()));
        assert!(p.trusts("fd12::7".parse().unwrap()));
        assert!(p.trusts("::ffff:10.1.1.1".parse().unwrap()), "IPv4-mapped");
        assert!(proxies(&["0.0.0.0/0"]).trusts("8.8.8.8".parse().unwrap()));
        for bad in ["10.0.0.0/33", "proxy.local", "10.0.0/8", "::/129"] {
            assert!(TrustedProxies::parse(&[bad]).is_err(), "{bad}");
        }
        assert!(TrustedProxies::parse::<&str>(&[]).unwrap().is_empty());
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let p = proxies(&["10.0.0.1"]);
        assert_eq!(p.client_addr(ip("203.0.113.9"), ["1.2.3.4"]), "203.0.113.9");
        assert_eq!(
            TrustedProxies::default().client_addr(ip("127.0.0.1"), ["1.2.3.4"]),
            "127.0.0.1",
            "no proxies configured: the header is never believed"
        );
        assert_eq!(p.client_addr(None, ["1.2.3.4"]), "");
    }

    #[test]
    fn a_trusted_peer_names_the_right_most_untrusted_hop() {
        let p = proxies(&["10.0.0.0/24"]);
        // The client forged the first entry; the proxy appended the real one.
        assert_eq!(
            p.client_addr(ip("10.0.0.1"), ["6.6.6.6, 198.51.100.7"]),
            "198.51.100.7"
        );
        // Two proxies of ours in a row, header given twice.
        assert_eq!(
            p.client_addr(ip("10.0.0.1"), ["6.6.6.6, 198.51.100.7", "10.0.0.2"]),
            "198.51.100.7"
        );
        assert_eq!(
            p.client_addr(ip("10.0.0.1"), ["198.51.100.7:5123"]),
            "198.51.100.7"
        );
        assert_eq!(
            p.client_addr(ip("10.0.0.1"), ["[2001:db8::1]:443"]),
            "2001:db8::1"
        );
        assert_eq!(
            p.client_addr(ip("10.0.0.1"), Vec::<&str>::new()),
            "10.0.0.1"
        );
        assert_eq!(
            p.client_addr(ip("10.0.0.1"), ["10.0.0.3"]),
            "10.0.0.3",
            "all ours: the left-most"
        );
        assert_eq!(
            p.client_addr(ip("10.0.0.1"), ["1.1.1.1, garbage, 10.0.0.5"]),
            "10.0.0.5",
            "an unreadable hop is not believed, nor anything left of it"
        );
    }
}
