//! The failed-check guard: a client address that keeps presenting keys
//! that fail (unknown, revoked, expired, owner disabled) is answered 429
//! for the rest of a minute, from memory, whenever its key would need a
//! lookup — so guessing keys from one address cannot reach the database at
//! volume. Cached answers are not stopped (they cost nothing), so the hot
//! path never consults the guard.
//!
//! Counts are per process (a guess costs the database one lookup at most
//! per replica and window) and grouped as sign-in groups addresses (an
//! IPv6 /64 is one client). A call with no client address (a `/verify`
//! without `client_ip`) is never counted: the service token's holder is
//! not the guesser.
//!
//! moka holds the counts, bounded in number, each dropped a window after
//! its first failure (the window is fixed from that moment).

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use moka::sync::Cache;

use crate::throttle::{group_of, Group};

/// How long failures count.
pub const WINDOW: Duration = Duration::from_secs(60);
/// Most addresses tracked at once.
const CAPACITY: u64 = 100_000;

#[derive(Debug)]
struct Failures {
    since: Instant,
    count: AtomicU32,
}

/// Failed key checks by client group.
#[derive(Debug)]
pub struct Guard {
    per_window: u32,
    failures: Cache<Group, Arc<Failures>>,
}

impl Guard {
    /// At most `per_window` failures per address per [`WINDOW`]; 0: no limit.
    pub fn new(per_window: u32) -> Self {
        Guard {
            per_window,
            failures: Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(WINDOW)
                .build(),
        }
    }

    /// `Err(seconds to wait)` when `ip` has failed too often.
    pub fn check(&self, ip: Option<&str>) -> Result<(), u64> {
        if self.per_window == 0 {
            return Ok(());
        }
        let Some(group) = ip.and_then(group_of) else {
            return Ok(());
        };
        match self.failures.get(&group) {
            Some(f) if f.count.load(Ordering::Relaxed) >= self.per_window => {
                let left = WINDOW.saturating_sub(f.since.elapsed());
                Err(crate::throttle::retry_after_secs(left).max(1))
            }
            _ => Ok(()),
        }
    }

    /// Counts one failed check from `ip`.
    pub fn fail(&self, ip: Option<&str>) {
        if self.per_window == 0 {
            return;
        }
        let Some(group) = ip.and_then(group_of) else {
            return;
        };
        let entry = self.failures.get_with(group, || {
            Arc::new(Failures {
                since: Instant::now(),
                count: AtomicU32::new(0),
            })
        });
        entry.count.fetch_add(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_stopped_after_its_failures_and_others_are_not() {
        let guard = Guard::new(3);
        for _ in 0..3 {
            assert!(guard.check(Some("192.0.2.1")).is_ok());
            guard.fail(Some("192.0.2.1"));
        }
        let wait = guard.check(Some("192.0.2.1")).unwrap_err();
        assert!((1..=60).contains(&wait), "{wait}");
        assert!(guard.check(Some("192.0.2.2")).is_ok());
        // A /verify without client_ip is never counted nor stopped.
        for _ in 0..10 {
            guard.fail(None);
        }
        assert!(guard.check(None).is_ok());
        assert!(Guard::new(0).check(Some("192.0.2.1")).is_ok());
    }
}
