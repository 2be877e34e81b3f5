//! Webhooks, per the Standard Webhooks specification
//! (<https://www.standardwebhooks.com/>): how a delivery is signed, when a
//! failed one is tried again, and where one may be sent.
//!
//! - **Signing** is the specification's one line — HMAC-SHA256 over
//!   `{id}.{timestamp}.{body}`, base64, prefixed `v1,` — written here with
//!   the `hmac` and `sha2` crates the service already uses for keys, rather
//!   than the `standardwebhooks` crate (which would add its own copies of
//!   both for those few lines). The tests check it against the
//!   specification's published example, and the API tests verify every
//!   delivery with the official Python library.
//! - **Secrets** are 32 bytes shown once as `whsec_<base64>`. The database
//!   holds only a random seed; the secret is `HMAC(pepper, seed)`
//!   ([`crate::Pepper::webhook_secret`]), so a stolen database cannot sign.
//! - **Retries**: the first within 10 seconds, then backing off to 8 hours
//!   apart, for 24 hours after the event ([`next_attempt`]).
//! - **Addresses** ([`Reach`]): `https` to globally routable addresses
//!   only, unless the operator allows plain http or lists networks; checked
//!   on the URL and again on every address a name resolves to at delivery
//!   time.

use std::net::IpAddr;

use ipnet::IpNet;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The prefix of a webhook secret as shown to its admin.
pub const SECRET_PREFIX: &str = "whsec_";

/// How long a delivery is tried for.
pub const RETRY_FOR_HOURS: i64 = 24;

/// The wait after the n-th failed attempt (the last repeats).
const BACKOFF_SECONDS: [i64; 9] = [5, 30, 120, 600, 1800, 3600, 7200, 14400, 28800];

/// Longest accepted URL.
pub const URL_MAX: usize = 2048;

/// `whsec_` and the secret in base64, as Standard Webhooks libraries take it.
pub fn format_secret(secret: &[u8]) -> String {
    format!("{SECRET_PREFIX}{}", B64.encode(secret))
}

/// The `webhook-signature` header's value for one delivery.
pub fn sign(secret: &[u8], msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes keys of any length; the fallback only keeps panics out.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(msg_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", B64.encode(mac.finalize().into_bytes()))
}

/// When to try again after `failed` attempts of an event created at
/// `created`; `None` once the 24 hours are over (the delivery has failed).
pub fn next_attempt(
    failed: u32,
    created: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let index = (failed.max(1) as usize - 1).min(BACKOFF_SECONDS.len() - 1);
    let at = now + Duration::seconds(BACKOFF_SECONDS[index]);
    (at <= created + Duration::hours(RETRY_FOR_HOURS)).then_some(at)
}

/// Where webhooks may be sent: the operator's choice
/// (`LLAVERO_WEBHOOK_ALLOW_NETWORKS`, `LLAVERO_WEBHOOK_ALLOW_HTTP`).
///
/// By default only `https` to globally routable addresses: a webhook URL is
/// chosen by an admin (or whoever stole an admin's session), and the
/// dispatcher records each attempt's status, so a reach into loopback or
/// the private ranges would make Llavero a port scanner of its own
/// network. Networks the operator lists are allowed on top (a receiver in
/// the same private network, or a test's loopback receiver).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reach {
    /// Plain `http://` may be used (to any address that is allowed).
    pub allow_http: bool,
    /// Networks allowed although not globally routable.
    pub allow_networks: Vec<IpNet>,
}

impl Reach {
    /// Why a webhook may not reach `ip`, or `None` if it may.
    pub fn refused_address(&self, ip: IpAddr) -> Option<&'static str> {
        if self.allow_networks.iter().any(|n| n.contains(&ip)) {
            return None;
        }
        not_global(ip)
    }

    /// Checks a webhook URL: absolute `https` (`http` only when the
    /// operator allows it), no credentials in it, no fragment, no host
    /// this machine's own names stand for, no address
    /// [`Reach::refused_address`] refuses, at most [`URL_MAX`] bytes. The
    /// message names the reason, never an address.
    pub fn check_url(&self, raw: &str) -> Result<WebhookUrl, UrlRefused> {
        let raw = raw.trim();
        if raw.len() > URL_MAX {
            return Err(UrlRefused::Invalid(format!(
                "url must be at most {URL_MAX} characters"
            )));
        }
        let url = url::Url::parse(raw)
            .map_err(|e| UrlRefused::Invalid(format!("url is not an absolute URL ({e})")))?;
        let (host, ip) = match url.host() {
            Some(url::Host::Domain(d)) => (d.to_owned(), None),
            Some(url::Host::Ipv4(ip)) => (ip.to_string(), Some(IpAddr::V4(ip))),
            Some(url::Host::Ipv6(ip)) => (ip.to_string(), Some(IpAddr::V6(ip))),
            None => return Err(UrlRefused::Invalid("url has no host".to_owned())),
        };
        match url.scheme() {
            "https" => {}
            "http" if self.allow_http => {}
            "http" => {
                return Err(UrlRefused::Invalid(
                    "url must be https (plain http only when the operator allows it)".to_owned(),
                ))
            }
            other => {
                return Err(UrlRefused::Invalid(format!(
                    "url scheme {other} is not http or https"
                )))
            }
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(UrlRefused::Invalid(
                "url must not carry credentials".to_owned(),
            ));
        }
        if url.fragment().is_some() {
            return Err(UrlRefused::Invalid(
                "url must not have a fragment".to_owned(),
            ));
        }
        let ip = ip.or_else(|| is_loopback_host(&host).then_some(IpAddr::from([127, 0, 0, 1])));
        if let Some(why) = ip.and_then(|ip| self.refused_address(ip)) {
            return Err(UrlRefused::Address(why));
        }
        Ok(WebhookUrl {
            url: url.to_string(),
            host,
        })
    }
}

/// Why a webhook URL was refused; the words never hold the address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlRefused {
    /// The host is, or names, an address webhooks may not reach.
    #[error(
        "url points to {0}, which webhooks may not reach unless the operator allows its network"
    )]
    Address(&'static str),
    /// The URL itself is not acceptable.
    #[error("{0}")]
    Invalid(String),
}

/// Why `ip` is not a globally routable address, or `None` if it is.
///
/// The special-purpose registries of IANA (IPv4 and IPv6), reduced to what
/// a server must not be made to call: every range that is not globally
/// reachable, and the IPv6 forms that embed an IPv4 address (mapped,
/// compatible, NAT64, 6to4, Teredo), whatever they embed.
fn not_global(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            if v4.is_loopback() {
                Some("a loopback address")
            } else if v4.is_private() {
                Some("a private address (RFC 1918)")
            } else if a == 100 && (64..128).contains(&b) {
                Some("a shared address (CGNAT, 100.64.0.0/10)")
            } else if v4.is_link_local() {
                // 169.254.169.254: the metadata service of AWS, GCP, Azure…
                Some("a link-local address (where cloud metadata services live)")
            } else if v4.is_unspecified() || a == 0 {
                Some("an unspecified address")
            } else if v4.is_broadcast() || v4.is_multicast() || a >= 240 {
                Some("a multicast, broadcast or reserved address")
            } else if v4.is_documentation()
                || (a == 192 && b == 0 && c == 0)
                || (a == 198 && (b & 0xfe) == 18)
            {
                Some("an address reserved for documentation, benchmarks or protocols")
            } else {
                None
            }
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            if v6.is_loopback() {
                Some("a loopback address")
            } else if v6.is_unspecified() {
                Some("an unspecified address")
            } else if s[..5] == [0; 5] && (s[5] == 0 || s[5] == 0xffff) {
                Some("an IPv4-mapped or IPv4-compatible IPv6 address")
            } else if s[0] == 0x64 && s[1] == 0xff9b {
                Some("a NAT64 address (64:ff9b::/96)")
            } else if s[0] == 0x2002 || (s[0] == 0x2001 && s[1] == 0) {
                Some("a 6to4 or Teredo address")
            } else if (s[0] & 0xfe00) == 0xfc00 {
                Some("a unique-local address (fc00::/7)")
            } else if (s[0] & 0xffc0) == 0xfe80 || (s[0] & 0xffc0) == 0xfec0 {
                Some("a link-local address (where cloud metadata services live)")
            } else if v6.is_multicast() {
                Some("a multicast address")
            } else if (s[0] == 0x2001 && s[1] == 0xdb8) || (s[0] == 0x100 && s[1..4] == [0; 3]) {
                Some("an address reserved for documentation or discard")
            } else if (s[0] & 0xe000) != 0x2000 {
                // Only 2000::/3 is global unicast.
                Some("an address outside the global unicast range")
            } else {
                None
            }
        }
    }
}

/// Whether `host` (a URL's host, IPv6 without brackets) is this machine.
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_end_matches('.');
    host.eq_ignore_ascii_case("localhost")
        || host.to_ascii_lowercase().ends_with(".localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// A webhook URL that passed [`Reach::check_url`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl {
    pub url: String,
    pub host: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_the_specifications_example() {
        // The example of the Standard Webhooks specification and its
        // reference libraries.
        let secret = B64
            .decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            sign(
                &secret,
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330,
                br#"{"test": 2432232314}"#
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        assert_eq!(
            format_secret(&secret),
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        );
    }

    #[test]
    fn retries_start_within_ten_seconds_and_stop_after_a_day() {
        let created = Utc::now();
        let first = next_attempt(1, created, created).unwrap_or_else(|| panic!("no retry"));
        assert!(first - created <= Duration::seconds(10));
        let mut at = created;
        let mut gaps = Vec::new();
        for failed in 1.. {
            match next_attempt(failed, created, at) {
                Some(next) => {
                    gaps.push((next - at).num_seconds());
                    at = next;
                }
                None => break,
            }
        }
        assert!(gaps.windows(2).all(|w| w[0] <= w[1]), "backs off: {gaps:?}");
        assert!(at <= created + Duration::hours(24));
        assert!(
            at > created + Duration::hours(16),
            "tries for most of a day"
        );
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn by_default_only_globally_routable_addresses_are_reached() {
        let reach = Reach::default();
        for bad in [
            "127.0.0.1",
            "127.8.9.10",
            "10.0.0.5",
            "172.16.3.4",
            "172.31.255.255",
            "192.168.1.1",
            "100.64.0.1",
            "100.127.255.254",
            "100.100.100.200",
            "169.254.169.254",
            "0.0.0.0",
            "0.1.2.3",
            "255.255.255.255",
            "224.0.0.1",
            "240.0.0.1",
            "192.0.2.1",
            "198.18.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd00:ec2::254",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "64:ff9b::808:808",
            "::ffff:8.8.8.8",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::8.8.8.8",
            "2002:7f00:1::",
            "2001::1",
            "2001:db8::1",
            "100::1",
        ] {
            assert!(
                reach.refused_address(ip(bad)).is_some(),
                "{bad} must be refused"
            );
        }
        for good in [
            "8.8.8.8",
            "1.1.1.1",
            "100.128.0.1",
            "172.32.0.1",
            "2606:4700::1111",
        ] {
            assert_eq!(reach.refused_address(ip(good)), None, "{good}");
        }
    }

    #[test]
    fn networks_the_operator_lists_are_reached() {
        let reach = Reach {
            allow_http: false,
            allow_networks: vec![
                "127.0.0.0/8".parse().unwrap(),
                "10.1.0.0/16".parse().unwrap(),
            ],
        };
        assert_eq!(reach.refused_address(ip("127.0.0.1")), None);
        assert_eq!(reach.refused_address(ip("10.1.2.3")), None);
        assert!(reach.refused_address(ip("10.2.0.1")).is_some());
        assert!(reach.refused_address(ip("::1")).is_some());
        assert!(reach.check_url("https://127.0.0.1:9000/in").is_ok());
        assert!(reach.check_url("https://localhost/in").is_ok());
        assert!(
            reach.check_url("http://127.0.0.1:9000/in").is_err(),
            "http needs its own setting"
        );
        let http = Reach {
            allow_http: true,
            ..reach
        };
        assert!(http.check_url("http://127.0.0.1:9000/in").is_ok());
    }

    #[test]
    fn checks_urls() {
        let strict = Reach::default();
        let http = Reach {
            allow_http: true,
            allow_networks: Vec::new(),
        };
        assert!(strict
            .check_url("https://hooks.example.com/llavero")
            .is_ok());
        for refused in [
            "http://hooks.example.com/",
            "https://127.0.0.1:9000/in",
            "https://localhost/in",
            "https://a.localhost/in",
            "https://[::1]:8080/",
            "https://10.0.0.1/",
            "https://[::ffff:7f00:1]/",
            "https://169.254.169.254/latest/meta-data",
            "https://user:pw@hooks.example.com/",
            "https://hooks.example.com/#x",
            "ftp://hooks.example.com/",
            "hooks.example.com/x",
        ] {
            let err = strict.check_url(refused).expect_err(refused).to_string();
            assert!(
                !err.contains("127.0") && !err.contains("169.254"),
                "{err} names the address"
            );
        }
        assert!(http.check_url("http://hooks.example.com/").is_ok());
        assert!(http.check_url("http://127.0.0.1:9000/in").is_err());
        assert!(http.check_url("http://[fe80::1]/").is_err());
        assert!(strict
            .check_url(&format!("https://a.example/{}", "x".repeat(URL_MAX)))
            .is_err());
    }
}
