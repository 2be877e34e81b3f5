//! Which address a request came from.
//!
//! The peer address is the truth unless the peer is a configured trusted
//! proxy; only then is `X-Forwarded-For` read, right to left, skipping
//! further trusted proxies. A client cannot forge its address by sending the
//! header itself: an untrusted peer's header is ignored.

use std::net::IpAddr;

use actix_web::HttpRequest;
use ipnet::IpNet;

/// The client address of `req`, as a string (what "last IP" shows).
pub fn client_ip(req: &HttpRequest, trusted: &[IpNet]) -> Option<String> {
    let peer = req.peer_addr().map(|a| a.ip());
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    resolve(peer, &forwarded, trusted).map(|ip| ip.to_string())
}

fn is_trusted(ip: IpAddr, trusted: &[IpNet]) -> bool {
    trusted.iter().any(|net| net.contains(&ip))
}

/// The first untrusted hop, reading `forwarded` from the right, when `peer`
/// is trusted.
fn resolve(peer: Option<IpAddr>, forwarded: &str, trusted: &[IpNet]) -> Option<IpAddr> {
    let peer = peer?;
    if !is_trusted(peer, trusted) {
        return Some(peer);
    }
    let mut client = peer;
    for hop in forwarded
        .rsplit(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
    {
        match hop.parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !is_trusted(ip, trusted) {
                    break;
                }
            }
            // A garbled hop: stop at the last address we could trust.
            Err(_) => break,
        }
    }
    Some(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        s.parse().ok()
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().filter_map(|s| s.parse().ok()).collect()
    }

    #[test]
    fn untrusted_peers_cannot_forge_their_address() {
        assert_eq!(
            resolve(ip("203.0.113.9"), "1.2.3.4", &[]),
            ip("203.0.113.9")
        );
        assert_eq!(
            resolve(ip("203.0.113.9"), "1.2.3.4", &nets(&["10.0.0.0/8"])),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn trusted_proxies_are_skipped_from_the_right() {
        let t = nets(&["10.0.0.0/8"]);
        assert_eq!(
            resolve(ip("10.0.0.1"), "198.51.100.7, 10.0.0.2", &t),
            ip("198.51.100.7")
        );
        // The leftmost entry is client-controlled; the rightmost untrusted wins.
        assert_eq!(
            resolve(ip("10.0.0.1"), "6.6.6.6, 198.51.100.7", &t),
            ip("198.51.100.7")
        );
        assert_eq!(resolve(ip("10.0.0.1"), "", &t), ip("10.0.0.1"));
        assert_eq!(
            resolve(ip("10.0.0.1"), "garbage, 10.0.0.3", &t),
            ip("10.0.0.3")
        );
    }
}
