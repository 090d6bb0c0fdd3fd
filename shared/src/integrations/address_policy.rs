//! Where outgoing webhooks may go: `https` URLs whose every resolved address is public. Loopback,
//! private, link-local (the 169.254.169.254 metadata address among them), CGNAT, unique-local,
//! multicast, documentation/reserved space and every IPv6 form that embeds an IPv4 address
//! (mapped, compatible, NAT64, 6to4, Teredo) are refused. The check runs when an endpoint is
//! saved and again on each connection, on the very addresses then connected to (see
//! `safe_http`), so a DNS answer that changes in between cannot steer a delivery inward.
//!
//! Local stacks (`make dev`, the tests) allow loopback and `http` through one switch, set by the
//! template's parameter; nothing else ever is.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Longest URL accepted.
pub const MAX_URL_CHARS: usize = 2048;

/// What a deployment allows beyond public `https`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Reach {
    /// Loopback addresses and `http` (local stacks only).
    pub allow_loopback: bool,
}

impl Reach {
    /// `WEBHOOKS_ALLOW_LOOPBACK`: `true` on local stacks; unset or `false` anywhere else.
    pub fn from_env(
        env: &impl crate::platform::config::EnvSource,
    ) -> Result<Self, crate::platform::config::ConfigError> {
        use crate::platform::config::{ConfigError, vars};
        let allow_loopback = match env.get(vars::WEBHOOKS_ALLOW_LOOPBACK).as_deref().map(str::trim) {
            None | Some("" | "false") => false,
            Some("true") => true,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: vars::WEBHOOKS_ALLOW_LOOPBACK,
                    value: other.to_string(),
                    reason: "expected true or false",
                });
            }
        };
        Ok(Self { allow_loopback })
    }
}

/// Why an address is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressClass {
    Unspecified,
    Loopback,
    Private,
    LinkLocal,
    Cgnat,
    UniqueLocal,
    Multicast,
    /// An IPv6 form carrying an IPv4 address (mapped, compatible, NAT64, 6to4, Teredo).
    EmbeddedIpv4,
    /// Documentation, benchmarking, broadcast and other special-purpose space.
    Reserved,
}

impl AddressClass {
    pub fn describe(self) -> &'static str {
        match self {
            Self::Unspecified => "an unspecified address",
            Self::Loopback => "a loopback address",
            Self::Private => "a private address",
            Self::LinkLocal => "a link-local address (cloud metadata included)",
            Self::Cgnat => "a carrier-grade NAT address",
            Self::UniqueLocal => "a unique-local IPv6 address",
            Self::Multicast => "a multicast address",
            Self::EmbeddedIpv4 => "an IPv6 address embedding an IPv4 one",
            Self::Reserved => "a reserved or documentation address",
        }
    }
}

/// Why a URL is refused; each names what is wrong for the API's 422.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlRefusal {
    #[error("at most {MAX_URL_CHARS} characters")]
    TooLong,
    #[error("not an absolute URL")]
    Malformed,
    #[error("must use https")]
    NotHttps,
    #[error("must not carry a user name or password")]
    Credentials,
    #[error("host {host} is {}", class.describe())]
    Refused { host: String, class: AddressClass },
    #[error("host {0} does not resolve")]
    Unresolved(String),
}

/// A parsed, checked endpoint URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub https: bool,
    /// Host name or IP literal, without IPv6 brackets.
    pub host: String,
    pub port: u16,
    /// The `Host` header value (host, and port when not the scheme's default).
    pub authority: String,
    pub path_and_query: String,
}

impl Target {
    /// The IP address when the host is a literal.
    pub fn literal(&self) -> Option<IpAddr> {
        self.host.parse().ok()
    }
}

/// The class that refuses `ip`, or `None` for a public address.
pub fn classify(ip: IpAddr) -> Option<AddressClass> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(ip: Ipv4Addr) -> Option<AddressClass> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        (0, _, _) => AddressClass::Unspecified,
        (127, _, _) => AddressClass::Loopback,
        (10, _, _) | (172, 16..=31, _) | (192, 168, _) => AddressClass::Private,
        (169, 254, _) => AddressClass::LinkLocal,
        (100, 64..=127, _) => AddressClass::Cgnat,
        (224..=239, _, _) => AddressClass::Multicast,
        (192, 0, 0) | (192, 0, 2) | (198, 18..=19, _) | (198, 51, 100) | (203, 0, 113) | (240..=255, _, _) => {
            AddressClass::Reserved
        }
        _ => return None,
    })
}

fn classify_v6(ip: Ipv6Addr) -> Option<AddressClass> {
    let segments = ip.segments();
    if ip.is_unspecified() {
        return Some(AddressClass::Unspecified);
    }
    if ip.is_loopback() {
        return Some(AddressClass::Loopback);
    }
    Some(match segments {
        // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible), 64:ff9b::/96 (NAT64).
        [0, 0, 0, 0, 0, 0xffff, _, _] | [0, 0, 0, 0, 0, 0, _, _] | [0x64, 0xff9b, 0, 0, 0, 0, _, _] => {
            AddressClass::EmbeddedIpv4
        }
        // 6to4 and Teredo.
        [0x2002, ..] | [0x2001, 0, ..] => AddressClass::EmbeddedIpv4,
        [first, ..] if first & 0xfe00 == 0xfc00 => AddressClass::UniqueLocal,
        [first, ..] if first & 0xffc0 == 0xfe80 => AddressClass::LinkLocal,
        [first, ..] if first & 0xff00 == 0xff00 => AddressClass::Multicast,
        [0x2001, 0x0db8, ..] | [0x0100, 0, 0, 0, ..] => AddressClass::Reserved,
        _ => return None,
    })
}

/// Whether a connection may go to `ip` under `reach`.
pub fn check_address(ip: IpAddr, reach: Reach) -> Result<(), AddressClass> {
    match classify(ip) {
        None => Ok(()),
        Some(AddressClass::Loopback) if reach.allow_loopback => Ok(()),
        Some(class) => Err(class),
    }
}

/// Parses and checks a URL's form (scheme, credentials, a literal address); a host name's
/// addresses are checked when resolved ([`check_resolved`]).
pub fn parse_target(url: &str, reach: Reach) -> Result<Target, UrlRefusal> {
    if url.chars().count() > MAX_URL_CHARS {
        return Err(UrlRefusal::TooLong);
    }
    let uri: http::Uri = url.parse().map_err(|_| UrlRefusal::Malformed)?;
    let https = match uri.scheme_str() {
        Some("https") => true,
        Some("http") if reach.allow_loopback => false,
        Some("http") => return Err(UrlRefusal::NotHttps),
        _ => return Err(UrlRefusal::Malformed),
    };
    let authority = uri.authority().ok_or(UrlRefusal::Malformed)?;
    if authority.as_str().contains('@') {
        return Err(UrlRefusal::Credentials);
    }
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    if host.is_empty() {
        return Err(UrlRefusal::Malformed);
    }
    let target = Target {
        https,
        port: authority.port_u16().unwrap_or(if https { 443 } else { 80 }),
        authority: authority.as_str().to_string(),
        path_and_query: uri.path_and_query().map(|p| p.as_str()).unwrap_or("/").to_string(),
        host,
    };
    if let Some(ip) = target.literal() {
        check_address(ip, reach).map_err(|class| UrlRefusal::Refused {
            host: target.host.clone(),
            class,
        })?;
    }
    Ok(target)
}

/// Checks every address a host resolved to: one refused address refuses the host (a name that
/// answers with a public and a private address could be steered to the private one).
pub fn check_resolved(host: &str, addresses: &[IpAddr], reach: Reach) -> Result<(), UrlRefusal> {
    if addresses.is_empty() {
        return Err(UrlRefusal::Unresolved(host.to_string()));
    }
    for ip in addresses {
        check_address(*ip, reach).map_err(|class| UrlRefusal::Refused {
            host: host.to_string(),
            class,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEPLOYED: Reach = Reach { allow_loopback: false };
    const LOCAL: Reach = Reach { allow_loopback: true };

    fn class_of(url: &str) -> Option<AddressClass> {
        match parse_target(url, DEPLOYED) {
            Err(UrlRefusal::Refused { class, .. }) => Some(class),
            _ => None,
        }
    }

    #[test]
    fn each_refused_class_is_refused_on_a_deployed_stack() {
        use AddressClass::*;
        let cases = [
            ("https://127.0.0.1/", Loopback),
            ("https://127.9.9.9:8443/x", Loopback),
            ("https://[::1]/", Loopback),
            ("https://10.1.2.3/", Private),
            ("https://172.16.0.1/", Private),
            ("https://172.31.255.255/", Private),
            ("https://192.168.1.1/", Private),
            ("https://169.254.169.254/latest/meta-data/", LinkLocal),
            ("https://[fe80::1]/", LinkLocal),
            ("https://100.64.0.1/", Cgnat),
            ("https://100.127.255.254/", Cgnat),
            ("https://[fd00::1]/", UniqueLocal),
            ("https://[fc00::1]/", UniqueLocal),
            ("https://224.0.0.1/", Multicast),
            ("https://[ff02::1]/", Multicast),
            ("https://[::ffff:127.0.0.1]/", EmbeddedIpv4),
            ("https://[::ffff:169.254.169.254]/", EmbeddedIpv4),
            ("https://[::ffff:8.8.8.8]/", EmbeddedIpv4),
            ("https://[64:ff9b::a9fe:a9fe]/", EmbeddedIpv4),
            ("https://[2002:7f00:1::]/", EmbeddedIpv4),
            ("https://0.0.0.0/", Unspecified),
            ("https://[::]/", Unspecified),
            ("https://255.255.255.255/", Reserved),
            ("https://192.0.2.10/", Reserved),
            ("https://[2001:db8::1]/", Reserved),
        ];
        for (url, class) in cases {
            assert_eq!(class_of(url), Some(class), "{url}");
        }
    }

    #[test]
    fn public_https_passes_and_keeps_its_parts() {
        let target = parse_target("https://hooks.example.com:8443/in?x=1", DEPLOYED).unwrap();
        assert_eq!(target.host, "hooks.example.com");
        assert_eq!(target.port, 8443);
        assert_eq!(target.path_and_query, "/in?x=1");
        assert!(parse_target("https://8.8.8.8/", DEPLOYED).is_ok());
        assert!(parse_target("https://[2606:4700::1111]/", DEPLOYED).is_ok());
        assert!(
            parse_target("https://100.128.0.1/", DEPLOYED).is_ok(),
            "just past CGNAT"
        );
        assert!(
            parse_target("https://172.32.0.1/", DEPLOYED).is_ok(),
            "just past 172.16/12"
        );
    }

    #[test]
    fn scheme_credentials_length_and_form_are_checked() {
        assert_eq!(parse_target("http://8.8.8.8/", DEPLOYED), Err(UrlRefusal::NotHttps));
        assert_eq!(parse_target("ftp://8.8.8.8/", DEPLOYED), Err(UrlRefusal::Malformed));
        assert_eq!(parse_target("/relative", DEPLOYED), Err(UrlRefusal::Malformed));
        assert_eq!(parse_target("not a url", DEPLOYED), Err(UrlRefusal::Malformed));
        assert_eq!(
            parse_target("https://user:pw@example.com/", DEPLOYED),
            Err(UrlRefusal::Credentials)
        );
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_CHARS));
        assert_eq!(parse_target(&long, DEPLOYED), Err(UrlRefusal::TooLong));
    }

    #[test]
    fn a_local_stack_allows_loopback_and_http_only() {
        assert!(parse_target("http://127.0.0.1:9000/hook", LOCAL).is_ok());
        assert!(parse_target("https://[::1]/", LOCAL).is_ok());
        assert!(matches!(
            parse_target("http://10.0.0.1/", LOCAL),
            Err(UrlRefusal::Refused {
                class: AddressClass::Private,
                ..
            })
        ));
        assert!(matches!(
            parse_target("http://169.254.169.254/", LOCAL),
            Err(UrlRefusal::Refused {
                class: AddressClass::LinkLocal,
                ..
            })
        ));
    }

    #[test]
    fn one_refused_address_among_resolved_ones_refuses_the_host() {
        let public: IpAddr = "93.184.216.34".parse().unwrap();
        let private: IpAddr = "10.0.0.7".parse().unwrap();
        assert!(check_resolved("h", &[public], DEPLOYED).is_ok());
        assert!(matches!(
            check_resolved("h", &[public, private], DEPLOYED),
            Err(UrlRefusal::Refused {
                class: AddressClass::Private,
                ..
            })
        ));
        assert_eq!(
            check_resolved("h", &[], DEPLOYED),
            Err(UrlRefusal::Unresolved("h".into()))
        );
    }
}
