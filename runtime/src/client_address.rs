//! Who the client is, for rate limits and the audit log: the TCP peer, or, when the peer
//! is a declared proxy, the address that proxy appended to X-Forwarded-For. Without
//! this, everything behind a proxy shares the proxy's address (one rate-limit bucket
//! for every plugin, one failed-login budget for every Ops agent).

use std::net::IpAddr;

use axum::http::HeaderMap;

/// The proxies whose X-Forwarded-For is believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpAddr>);

impl TrustedProxies {
    /// Comma-separated IPs as read from `setting` (named in the error).
    pub fn parse(list: &[String], setting: &str) -> anyhow::Result<Self> {
        list.iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse()
                    .map_err(|_| anyhow::anyhow!("{setting}: {s:?} is not an IP address"))
            })
            .collect::<anyhow::Result<Vec<_>>>()
            .map(Self)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The client's address: the peer, or the right-most X-Forwarded-For entry when
    /// the peer is a declared proxy (entries to its left are the client's to forge).
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.0.contains(&peer) {
            return peer;
        }
        headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(peer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_is_believed_only_from_declared_proxies() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "1.2.3.4, 5.6.7.8".parse().unwrap());
        assert_eq!(TrustedProxies::default().client(proxy, &h), proxy);
        let trusted = TrustedProxies::parse(&["10.0.0.1".into()], "X").unwrap();
        assert_eq!(
            trusted.client(proxy, &h),
            "5.6.7.8".parse::<IpAddr>().unwrap()
        );
        let other: IpAddr = "10.0.0.2".parse().unwrap();
        assert_eq!(trusted.client(other, &h), other, "a peer that is no proxy");
        h.insert("x-forwarded-for", "garbage".parse().unwrap());
        assert_eq!(trusted.client(proxy, &h), proxy);
        assert!(TrustedProxies::parse(&["nope".into()], "X_PROXIES")
            .unwrap_err()
            .to_string()
            .contains("X_PROXIES"));
    }
}
