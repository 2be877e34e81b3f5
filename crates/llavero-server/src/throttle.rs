//! Sign-in throttling: too many failures for one username, or from one
//! address, within a window get 429 with `Retry-After`.
//!
//! Counters live in this process's memory, which bounds guessing per replica;
//! `TODO-security:` share them through the database when running many
//! replicas. Checking happens before the password hash is computed, so a
//! throttled attempt costs the server almost nothing.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed per username within [`WINDOW`].
pub const MAX_PER_USERNAME: usize = 5;
/// Failures allowed per client address within [`WINDOW`].
pub const MAX_PER_IP: usize = 20;
/// How long a failure counts.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Tracked keys beyond which expired entries are swept.
const SWEEP_AT: usize = 10_000;

/// Failure timestamps by username and by address.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl LoginThrottle {
    /// `Err(seconds)` to wait when `username` or `ip` is over its limit.
    pub fn check(&self, username: &str, ip: Option<&str>) -> Result<(), u64> {
        let now = Instant::now();
        let Ok(mut map) = self.failures.lock() else {
            return Ok(());
        };
        let mut wait = 0u64;
        for (key, max) in keys(username, ip) {
            if let Some(times) = map.get_mut(&key) {
                prune(times, now);
                if times.len() >= max {
                    let oldest = times.front().copied().unwrap_or(now);
                    let left = WINDOW.saturating_sub(now.duration_since(oldest));
                    wait = wait.max(left.as_secs().max(1));
                }
            }
        }
        if wait > 0 {
            Err(wait)
        } else {
            Ok(())
        }
    }

    /// Counts one failed sign-in.
    pub fn fail(&self, username: &str, ip: Option<&str>) {
        let now = Instant::now();
        let Ok(mut map) = self.failures.lock() else {
            return;
        };
        if map.len() > SWEEP_AT {
            map.retain(|_, times| {
                prune(times, now);
                !times.is_empty()
            });
        }
        for (key, _) in keys(username, ip) {
            map.entry(key).or_default().push_back(now);
        }
    }

    /// Forgets a username's failures after it signs in.
    pub fn succeed(&self, username: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(&format!("u:{username}"));
        }
    }
}

fn keys(username: &str, ip: Option<&str>) -> Vec<(String, usize)> {
    let mut keys = vec![(
        format!("u:{}", username.to_ascii_lowercase()),
        MAX_PER_USERNAME,
    )];
    if let Some(ip) = ip {
        keys.push((format!("ip:{ip}"), MAX_PER_IP));
    }
    keys
}

fn prune(times: &mut VecDeque<Instant>, now: Instant) {
    while times
        .front()
        .is_some_and(|t| now.duration_since(*t) >= WINDOW)
    {
        times.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn username_limit_then_retry_after() {
        let t = LoginThrottle::default();
        for _ in 0..MAX_PER_USERNAME {
            assert!(t.check("ana", Some("1.1.1.1")).is_ok());
            t.fail("ana", Some("1.1.1.1"));
        }
        let wait = t.check("ANA", Some("2.2.2.2")).err().unwrap_or(0);
        assert!(wait > 0 && wait <= WINDOW.as_secs(), "{wait}");
        assert!(t.check("bob", Some("2.2.2.2")).is_ok());
        t.succeed("ana");
        assert!(t.check("ana", Some("2.2.2.2")).is_ok());
    }

    #[test]
    fn address_limit_spans_usernames() {
        let t = LoginThrottle::default();
        for i in 0..MAX_PER_IP {
            t.fail(&format!("user{i}"), Some("9.9.9.9"));
        }
        assert!(t.check("someone-new", Some("9.9.9.9")).is_err());
        assert!(t.check("someone-new", Some("8.8.8.8")).is_ok());
    }
}
