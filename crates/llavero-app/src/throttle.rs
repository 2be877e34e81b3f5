//! Which attempts are limited, and how much: the buckets and limits of
//! sign-in guessing and key creation. The counting itself is the store's
//! (`llavero_store::throttle`): in the database, so every replica shares it,
//! and taken *before* any password work, so parallel guesses get no more
//! checks than sequential ones.
//!
//! Sign-in follows OWASP's *device cookie* scheme. A browser that signed
//! in to an account before carries a device cookie for it
//! (`crate::auth::device`) and is limited per device only: an attacker,
//! who has no such cookie, can never lock the owner out. Every other
//! attempt is limited per (account, address), per address across
//! accounts, and per account across all addresses — the last closing the
//! distributed guessing that the first two allowed (a /48 holds 65,536
//! /64s, each with its own per-address allowance). Addresses are grouped
//! as one client holds them: an IPv4 address alone, an IPv6 /64 whole
//! (one host gets a whole /64 to rotate through).

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use llavero_store::throttle::Limit;
use uuid::Uuid;

/// How long a sign-in attempt counts.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

/// Password checks per (account, address) in any [`WINDOW`].
pub const PER_ACCOUNT_AND_ADDRESS: Limit = Limit {
    max: 10,
    window: WINDOW,
};

/// Failed password checks per address, across accounts, in any [`WINDOW`].
pub const PER_ADDRESS: Limit = Limit {
    max: 50,
    window: WINDOW,
};

/// Password checks per device (a browser with a valid device cookie for
/// the account) in any [`WINDOW`].
pub const PER_DEVICE: Limit = Limit {
    max: 10,
    window: WINDOW,
};

/// Failed password checks per account from browsers without its device
/// cookie, across every address: 15 in any 7.5 minutes, so at most 30 in
/// any [`WINDOW`] (a span of 15 minutes overlaps three of the store's
/// windows, and any two adjacent ones hold at most 15), and a new browser
/// waits at most two windows — 15 minutes — after a burst.
pub const PER_ACCOUNT_UNTRUSTED: Limit = Limit {
    max: 15,
    window: Duration::from_secs(15 * 60 / 2),
};

/// The client group an address belongs to (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Group {
    V4(Ipv4Addr),
    /// An IPv6 /64: the address's first four segments.
    V6([u16; 4]),
}

impl std::fmt::Display for Group {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Group::V4(v4) => write!(f, "{v4}"),
            Group::V6([a, b, c, d]) => write!(f, "{a:x}:{b:x}:{c:x}:{d:x}::/64"),
        }
    }
}

/// The group of `ip`, if it is an address (an IPv4-mapped IPv6 address is
/// its IPv4 address).
pub fn group_of(ip: &str) -> Option<Group> {
    Some(match ip.parse::<IpAddr>().ok()? {
        IpAddr::V4(v4) => Group::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => Group::V4(v4),
            None => {
                let s = v6.segments();
                Group::V6([s[0], s[1], s[2], s[3]])
            }
        },
    })
}

/// The client group of `ip` as text, for bucket names; `-` when the
/// address is unknown.
pub fn address_group(ip: Option<&str>) -> String {
    ip.and_then(group_of)
        .map_or_else(|| "-".to_owned(), |g| g.to_string())
}

/// The buckets a password check of `username` from `ip` takes: with a
/// device cookie for the account (`device`, its id), that device's alone;
/// else (account, address), address, and the account's untrusted budget.
/// The first bucket is reset by a right password; the others get that
/// attempt back.
pub fn sign_in_buckets(
    username: &str,
    ip: Option<&str>,
    device: Option<&str>,
) -> Vec<(String, Limit)> {
    let username = username.to_ascii_lowercase();
    match device {
        Some(device) => vec![(format!("login-device:{device}"), PER_DEVICE)],
        None => {
            let mut buckets = password_check_buckets(&username, ip);
            buckets.push((format!("login-untrusted:{username}"), PER_ACCOUNT_UNTRUSTED));
            buckets
        }
    }
}

/// The buckets of a signed-in user's current-password check (changing
/// it): (account, address), then address.
pub fn password_check_buckets(username: &str, ip: Option<&str>) -> Vec<(String, Limit)> {
    let group = address_group(ip);
    vec![
        (
            format!("login:{}@{group}", username.to_ascii_lowercase()),
            PER_ACCOUNT_AND_ADDRESS,
        ),
        (format!("login-from:{group}"), PER_ADDRESS),
    ]
}

/// The key-creation bucket of user `id`, at `per_minute`.
pub fn key_create_bucket(id: Uuid, per_minute: u32) -> (String, Limit) {
    (
        format!("key-create:{id}"),
        Limit {
            max: per_minute,
            window: Duration::from_secs(60),
        },
    )
}

/// Seconds to tell a throttled client to wait (at least one).
pub fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_addresses_are_grouped_by_64() {
        assert_eq!(
            address_group(Some("2001:db8:1:2:aaaa::1")),
            address_group(Some("2001:db8:1:2:ffff::9"))
        );
        assert_ne!(
            address_group(Some("2001:db8:1:2::1")),
            address_group(Some("2001:db8:1:3::1"))
        );
        assert_eq!(address_group(Some("::ffff:192.0.2.7")), "192.0.2.7");
        assert_eq!(address_group(Some("192.0.2.7")), "192.0.2.7");
        assert_eq!(address_group(None), "-");
        assert_eq!(
            group_of("2001:db8:1:2::1"),
            group_of("2001:db8:1:2:ffff::9")
        );
        assert_ne!(group_of("2001:db8:1:2::1"), group_of("2001:db8:1:3::1"));
        assert_eq!(group_of("::ffff:192.0.2.7"), group_of("192.0.2.7"));
        // A v6 /64 can never equal a v4 address.
        assert_ne!(group_of("::c000:207"), group_of("192.0.2.7"));
        assert_eq!(
            address_group(Some("2001:db8:1:2:aaaa::1")),
            "2001:db8:1:2::/64"
        );
        assert_eq!(group_of("not an address"), None);
    }

    #[test]
    fn an_account_is_limited_per_address_not_alone() {
        let a = sign_in_buckets("Ana", Some("192.0.2.1"), None);
        let b = sign_in_buckets("ana", Some("192.0.2.2"), None);
        assert_ne!(a[0], b[0]);
        assert_eq!(a[1].0, "login-from:192.0.2.1");
        // Across addresses, one budget per account.
        assert_eq!(a[2], b[2]);
        assert_eq!(a[2].0, "login-untrusted:ana");
    }

    #[test]
    fn a_known_device_is_limited_alone() {
        let d = sign_in_buckets("ana", Some("192.0.2.1"), Some("d1"));
        assert_eq!(d, vec![("login-device:d1".to_owned(), PER_DEVICE)]);
        // The untrusted budget: at most 30 in 15 minutes, over in 15.
        assert_eq!(PER_ACCOUNT_UNTRUSTED.max * 2, 30);
        assert_eq!(PER_ACCOUNT_UNTRUSTED.window * 2, WINDOW);
    }

    #[test]
    fn a_partial_second_is_a_whole_one() {
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_secs(3)), 3);
    }
}
