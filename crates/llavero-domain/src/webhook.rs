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
//! - **Addresses**: `https`, or `http` to loopback (anything else only when
//!   the operator allows plain http); never to link-local, cloud metadata,
//!   multicast or unspecified addresses ([`refused_address`]), checked on the
//!   URL and again on every address a name resolves to at delivery time.

use std::net::IpAddr;

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

/// Why no server should ever call `ip`, or `None` if it may be called.
pub fn refused_address(ip: IpAddr) -> Option<&'static str> {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    match ip {
        IpAddr::V4(v4) => {
            if v4.is_unspecified() || v4.is_broadcast() {
                Some("an unspecified or broadcast address")
            } else if v4.is_link_local() {
                // 169.254.169.254: the metadata service of AWS, GCP, Azure…
                Some("a link-local address (where cloud metadata services live)")
            } else if v4.is_multicast() {
                Some("a multicast address")
            } else if v4.octets() == [100, 100, 100, 200] {
                Some("a cloud metadata address")
            } else {
                None
            }
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            if v6.is_unspecified() {
                Some("an unspecified address")
            } else if (s[0] & 0xffc0) == 0xfe80 {
                Some("a link-local address (where cloud metadata services live)")
            } else if v6.is_multicast() {
                Some("a multicast address")
            } else if s == [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254] {
                Some("a cloud metadata address")
            } else {
                None
            }
        }
    }
}

/// Whether `host` (a URL's host, IPv6 without brackets) is this machine.
pub fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// A webhook URL that passed [`check_url`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl {
    pub url: String,
    pub host: String,
}

/// Checks a webhook URL: absolute `https` (or `http` to loopback, or to
/// anywhere when `allow_http`), no credentials in it, no fragment, not an
/// address [`refused_address`] refuses, at most [`URL_MAX`] bytes.
pub fn check_url(raw: &str, allow_http: bool) -> Result<WebhookUrl, String> {
    let raw = raw.trim();
    if raw.len() > URL_MAX {
        return Err(format!("url must be at most {URL_MAX} characters"));
    }
    let url = url::Url::parse(raw).map_err(|e| format!("url is not an absolute URL ({e})"))?;
    let host = match url.host() {
        Some(url::Host::Domain(d)) => d.to_owned(),
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        None => return Err("url has no host".to_owned()),
    };
    match url.scheme() {
        "https" => {}
        "http" if allow_http || is_loopback_host(&host) => {}
        "http" => {
            return Err(
                "url must be https (plain http only to loopback, unless the operator allows it)"
                    .to_owned(),
            )
        }
        other => return Err(format!("url scheme {other} is not http or https")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("url must not carry credentials".to_owned());
    }
    if url.fragment().is_some() {
        return Err("url must not have a fragment".to_owned());
    }
    if let Ok(ip) = host.parse::<IpAddr>() {
        if let Some(why) = refused_address(ip) {
            return Err(format!("url points to {why}"));
        }
    }
    Ok(WebhookUrl {
        url: url.to_string(),
        host,
    })
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

    #[test]
    fn refuses_metadata_and_link_local_addresses() {
        for bad in [
            "169.254.169.254",
            "169.254.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "100.100.100.200",
            "fe80::1",
            "::",
            "fd00:ec2::254",
            "ff02::1",
            "::ffff:169.254.169.254",
        ] {
            let ip: IpAddr = bad.parse().unwrap_or_else(|e| panic!("{bad}: {e}"));
            assert!(refused_address(ip).is_some(), "{bad} must be refused");
        }
        for good in [
            "127.0.0.1",
            "10.0.0.5",
            "192.168.1.1",
            "8.8.8.8",
            "::1",
            "2001:db8::1",
        ] {
            let ip: IpAddr = good.parse().unwrap_or_else(|e| panic!("{good}: {e}"));
            assert_eq!(refused_address(ip), None, "{good}");
        }
    }

    #[test]
    fn checks_urls() {
        let ok = |u: &str, allow: bool| check_url(u, allow).is_ok();
        assert!(ok("https://hooks.example.com/llavero", false));
        assert!(ok("http://127.0.0.1:9000/in", false));
        assert!(ok("http://localhost/in", false));
        assert!(ok("http://[::1]:8080/", false));
        assert!(!ok("http://hooks.example.com/", false));
        assert!(ok("http://hooks.example.com/", true));
        assert!(!ok("https://169.254.169.254/latest/meta-data", true));
        assert!(!ok("http://[fe80::1]/", true));
        assert!(!ok("https://user:pw@hooks.example.com/", false));
        assert!(!ok("https://hooks.example.com/#x", false));
        assert!(!ok("ftp://hooks.example.com/", true));
        assert!(!ok("hooks.example.com/x", true));
        assert!(!ok(
            &format!("https://a.example/{}", "x".repeat(URL_MAX)),
            false
        ));
    }
}
