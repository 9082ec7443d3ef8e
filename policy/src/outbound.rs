//! Where the notification engine may send a merchant's webhook and Slack posts. A URL
//! is the merchant's input, so without this rule a webhook becomes a request from
//! inside our network: `http://localhost@127.0.0.1:8123/` reaches ClickHouse's HTTP
//! port and the delivery log tells the caller what answered.
//!
//! The rule is applied twice, with the same code: when the URL is saved (the Ops API
//! refuses it with a 422) and when the alerter connects (every address the host name
//! resolves to is classified, so a name that later resolves inside is refused too).
//! Development receivers on loopback need `allow_internal`, a setting that
//! production never has.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What an address is, as far as sending to it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressClass {
    Public,
    Loopback,
    /// RFC 1918, unique-local IPv6, CGNAT shared space.
    Private,
    /// 169.254/16 and fe80::/10 (cloud metadata services live here).
    LinkLocal,
    /// Unspecified, broadcast, multicast, documentation and other reserved ranges.
    Reserved,
}

pub fn classify(ip: IpAddr) -> AddressClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => classify_v4(v4),
            None => classify_v6(v6),
        },
    }
}

fn classify_v4(ip: Ipv4Addr) -> AddressClass {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        AddressClass::Loopback
    } else if ip.is_private() || (a == 100 && (64..128).contains(&b)) {
        AddressClass::Private
    } else if ip.is_link_local() {
        AddressClass::LinkLocal
    } else if ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || a >= 240
        || (a == 192 && b == 0 && ip.octets()[2] == 0)
        || (a == 198 && (b == 18 || b == 19))
    {
        AddressClass::Reserved
    } else {
        AddressClass::Public
    }
}

fn classify_v6(ip: Ipv6Addr) -> AddressClass {
    let first = ip.segments()[0];
    if ip.is_loopback() {
        AddressClass::Loopback
    } else if first & 0xfe00 == 0xfc00 {
        AddressClass::Private
    } else if first & 0xffc0 == 0xfe80 {
        AddressClass::LinkLocal
    } else if ip.is_unspecified()
        || ip.is_multicast()
        || first == 0x2001 && ip.segments()[1] == 0x0db8
        || first == 0x0064 && ip.segments()[1] == 0xff9b
    {
        // Documentation, and NAT64 (it embeds an IPv4 address we cannot judge).
        AddressClass::Reserved
    } else {
        AddressClass::Public
    }
}

/// Which kind of target a URL is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Webhook,
    /// Slack incoming webhooks live on Slack's host only.
    Slack,
}

pub const SLACK_HOST: &str = "hooks.slack.com";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutboundPolicy {
    /// Development only: loopback receivers (plain http allowed to them) and any Slack host.
    pub allow_internal: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl OutboundPolicy {
    /// Whether an address may be connected to.
    pub fn address(&self, ip: IpAddr) -> Result<(), Refused> {
        match classify(ip) {
            AddressClass::Public => Ok(()),
            AddressClass::Loopback if self.allow_internal => Ok(()),
            class => Err(Refused(format!(
                "the target resolves to a {} address",
                match class {
                    AddressClass::Loopback => "loopback",
                    AddressClass::Private => "private",
                    AddressClass::LinkLocal => "link-local",
                    _ => "reserved",
                }
            ))),
        }
    }

    /// Checks a URL as saved: scheme, credentials, host (and for Slack, whose host),
    /// and the address when the host is an IP literal. Host names are checked again
    /// at connect time, by the addresses they resolve to.
    pub fn url(&self, raw: &str, target: Target) -> Result<url::Url, Refused> {
        let url = url::Url::parse(raw.trim()).map_err(|_| Refused("not a valid URL".into()))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Refused(
                "a URL must not carry credentials (user@host)".into(),
            ));
        }
        let host = url
            .host()
            .ok_or_else(|| Refused("the URL has no host".into()))?;
        let literal = match &host {
            url::Host::Ipv4(ip) => Some(IpAddr::V4(*ip)),
            url::Host::Ipv6(ip) => Some(IpAddr::V6(*ip)),
            url::Host::Domain(_) => None,
        };
        let loopback_name = matches!(&host, url::Host::Domain(d) if is_localhost(d));
        let internal =
            loopback_name || literal.is_some_and(|ip| classify(ip) == AddressClass::Loopback);
        match url.scheme() {
            "https" => {}
            "http" if self.allow_internal && internal => {}
            _ => return Err(Refused("the URL must be https://".into())),
        }
        if let Some(ip) = literal {
            self.address(ip)?;
        }
        if loopback_name && !self.allow_internal {
            return Err(Refused("the target resolves to a loopback address".into()));
        }
        if target == Target::Slack && !self.allow_internal && url.host_str() != Some(SLACK_HOST) {
            return Err(Refused(format!("a Slack webhook URL is on {SLACK_HOST}")));
        }
        Ok(url)
    }
}

fn is_localhost(domain: &str) -> bool {
    let d = domain.trim_end_matches('.').to_ascii_lowercase();
    d == "localhost" || d.ends_with(".localhost")
}

#[cfg(test)]
mod tests {
    use super::*;

    // Addresses here are classified, never contacted.
    #[test]
    fn classifies_addresses() {
        let cases = [
            ("127.0.0.1", AddressClass::Loopback),
            ("127.8.9.10", AddressClass::Loopback),
            ("::1", AddressClass::Loopback),
            ("::ffff:127.0.0.1", AddressClass::Loopback),
            ("10.1.2.3", AddressClass::Private),
            ("172.16.0.1", AddressClass::Private),
            ("192.168.1.1", AddressClass::Private),
            ("100.64.0.1", AddressClass::Private),
            ("fd00::1", AddressClass::Private),
            ("169.254.169.254", AddressClass::LinkLocal),
            ("fe80::1", AddressClass::LinkLocal),
            ("0.0.0.0", AddressClass::Reserved),
            ("::", AddressClass::Reserved),
            ("255.255.255.255", AddressClass::Reserved),
            ("224.0.0.1", AddressClass::Reserved),
            ("192.0.2.1", AddressClass::Reserved),
            ("64:ff9b::a00:1", AddressClass::Reserved),
            ("93.184.216.34", AddressClass::Public),
            ("2606:4700::1111", AddressClass::Public),
        ];
        for (ip, want) in cases {
            assert_eq!(classify(ip.parse().unwrap()), want, "{ip}");
        }
    }

    /// Defect (issue 16.5): prefix checks accepted `http://localhost@127.0.0.1:8123/`
    /// and any https host.
    #[test]
    fn refuses_internal_targets_in_every_spelling() {
        let production = OutboundPolicy::default();
        for url in [
            "http://localhost@127.0.0.1:8123/",
            "https://localhost@127.0.0.1:8123/",
            "https://127.0.0.1:8123/",
            "https://0x7f000001/",
            "https://2130706433/",
            "https://0177.0.0.1/",
            "https://[::1]/",
            "https://[::ffff:127.0.0.1]/",
            "https://localhost/",
            "https://LOCALHOST./",
            "https://shop.localhost/",
            "https://10.0.0.5/hook",
            "https://169.254.169.254/latest/meta-data/",
            "https://[fe80::1]/",
            "https://0.0.0.0/",
            "http://hooks.example.com/",
            "ftp://hooks.example.com/",
            "https://user:pw@hooks.example.com/",
            "not a url",
        ] {
            assert!(
                production.url(url, Target::Webhook).is_err(),
                "{url} accepted"
            );
        }
        assert!(production
            .url("https://hooks.example.com/plugin", Target::Webhook)
            .is_ok());
        assert!(production
            .url("https://hooks.slack.com/services/T/B/X", Target::Slack)
            .is_ok());
        assert!(production
            .url(
                "https://hooks.slack.com.evil.example/services/T",
                Target::Slack
            )
            .is_err());
        assert!(production
            .url("https://hooks.example.com/services/T", Target::Slack)
            .is_err());
    }

    #[test]
    fn development_allows_loopback_receivers_only() {
        let dev = OutboundPolicy {
            allow_internal: true,
        };
        assert!(dev
            .url("http://127.0.0.1:9095/hook", Target::Webhook)
            .is_ok());
        assert!(dev.url("http://localhost:9095/hook", Target::Slack).is_ok());
        assert!(dev.url("http://[::1]:9095/", Target::Webhook).is_ok());
        assert!(dev.url("http://10.0.0.5/", Target::Webhook).is_err());
        assert!(dev
            .url("https://169.254.169.254/", Target::Webhook)
            .is_err());
        assert!(dev
            .url("http://hooks.example.com/", Target::Webhook)
            .is_err());
        assert!(dev.address("127.0.0.1".parse().unwrap()).is_ok());
        assert!(dev.address("192.168.0.1".parse().unwrap()).is_err());
    }
}
