//! Which attempts are limited, and how much: the buckets and limits of
//! sign-in guessing and key creation. The counting itself is the store's
//! (`llavero_store::throttle`): in the database, so every replica shares it,
//! and taken *before* any password work, so parallel guesses get no more
//! checks than sequential ones.
//!
//! Sign-in is limited per (account, address), and per address across
//! accounts — never per account alone: an attacker guessing from some
//! addresses must not lock the owner out from another. Addresses are
//! grouped as one client holds them: an IPv4 address alone, an IPv6 /64
//! whole (one host gets a whole /64 to rotate through).

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

/// The sign-in buckets of `username` from `ip`: (account, address), then
/// address.
pub fn sign_in_buckets(username: &str, ip: Option<&str>) -> [(String, Limit); 2] {
    let group = address_group(ip);
    [
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
        let [(a, _), (from_a, _)] = sign_in_buckets("Ana", Some("192.0.2.1"));
        let [(b, _), _] = sign_in_buckets("ana", Some("192.0.2.2"));
        assert_ne!(a, b);
        assert_eq!(from_a, "login-from:192.0.2.1");
    }

    #[test]
    fn a_partial_second_is_a_whole_one() {
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_secs(3)), 3);
    }
}
