//! Coalesced usage recording: no database write per verification.
//!
//! Every presentation of a known key lands in its key's slot in memory: a
//! use updates the key's last use, its count for the UTC day and its
//! address's first/last seen and count; a refusal (revoked, expired, owner
//! disabled, address not allowed, scope missing) counts for the day under
//! its reason. A background task writes all slots in one transaction every
//! flush interval (1 s by default, so the list and the usage view show a use
//! within about a second), and once more when the verifier stops. A key used
//! a thousand times in a second from one address costs one row of each kind.
//!
//! A slot keeps its key's day, address and last use in place, an address
//! as an `IpAddr` (17 bytes) rather than a string: a key used on one day
//! from one address, the usual case, costs the buffer no allocation of its
//! own. The strings and vectors it took before, each living a flush
//! interval among the key cache's longer-lived entries on the HTTP
//! workers' heaps, kept those heaps grown after a cold load: the SQLite
//! server's RSS after the bench's cold runs fell from ~70 to ~49 MB, and
//! cold verification ran faster (`docs/profile.md`, "Seventh round").
//!
//! Memory is bounded however the keys are used: a key tracks at most
//! [`ADDRESSES_PER_KEY`] new addresses per flush and the buffer at most
//! [`ADDRESSES`] in all (beyond that, uses are still counted per day but
//! their address waits for a later flush); when a flush fails (the database
//! is down) its slots are merged back, so nothing counted is lost and the
//! buffer does not grow by more than the distinct keys in use.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use llavero_domain::usage::Outcome;
use llavero_store::usage::{AddressUse, Counts, UsageBatch};
use llavero_store::Store;
use smallvec::SmallVec;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::found::FoundKey;
use super::grown::GrownKeys;

/// New addresses a key may add to one flush.
pub const ADDRESSES_PER_KEY: usize = 64;
/// Addresses the whole buffer may hold.
pub const ADDRESSES: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Seen {
    first: DateTime<Utc>,
    last: DateTime<Utc>,
    uses: u64,
}

impl Seen {
    fn merge(&mut self, other: Seen) {
        self.first = self.first.min(other.first);
        self.last = self.last.max(other.last);
        self.uses += other.uses;
    }
}

/// What one key did since the last flush.
#[derive(Debug)]
struct Slot {
    last: Option<(DateTime<Utc>, Option<IpAddr>)>,
    days: SmallVec<[(NaiveDate, Counts); 1]>,
    addresses: SmallVec<[(IpAddr, Seen); 1]>,
}

impl Slot {
    fn count(&mut self, day: NaiveDate, outcome: Outcome, n: u64) {
        match self.days.iter_mut().find(|(d, _)| *d == day) {
            Some((_, counts)) => counts[outcome.index()] += n,
            None => {
                let mut counts = Counts::default();
                counts[outcome.index()] = n;
                self.days.push((day, counts));
            }
        }
    }

    fn use_from(&mut self, at: DateTime<Utc>, ip: Option<IpAddr>) {
        match &mut self.last {
            Some((t, last_ip)) if at >= *t && *last_ip == ip => *t = at,
            Some((t, _)) if at < *t => {}
            _ => self.last = Some((at, ip)),
        }
    }

    /// Adds `seen` for `ip`; true when `ip` is a new address of the slot
    /// (kept only if there is `room` for it).
    fn seen_from(&mut self, ip: IpAddr, seen: Seen, room: bool) -> bool {
        if let Some((_, s)) = self.addresses.iter_mut().find(|(a, _)| *a == ip) {
            s.merge(seen);
            return false;
        }
        if !room || self.addresses.len() >= ADDRESSES_PER_KEY {
            return false;
        }
        self.addresses.push((ip, seen));
        true
    }
}

#[derive(Debug, Default)]
struct Pending {
    slots: HashMap<Uuid, Slot>,
    addresses: usize,
}

impl Pending {
    fn slot(&mut self, id: Uuid) -> &mut Slot {
        self.slots.entry(id).or_insert_with(|| Slot {
            last: None,
            days: SmallVec::new(),
            addresses: SmallVec::new(),
        })
    }

    /// Puts a failed flush's slots back.
    fn merge(&mut self, taken: HashMap<Uuid, Slot>) {
        for (id, old) in taken {
            let Slot {
                last,
                days,
                addresses: seen,
            } = old;
            let mut addresses = self.addresses;
            let slot = self.slot(id);
            if let Some((at, ip)) = last {
                slot.use_from(at, ip);
            }
            for (day, counts) in days {
                for outcome in Outcome::ALL {
                    slot.count(day, outcome, counts[outcome.index()]);
                }
            }
            for (ip, seen) in seen {
                if slot.seen_from(ip, seen, addresses < ADDRESSES) {
                    addresses += 1;
                }
            }
            self.addresses = addresses;
        }
    }
}

/// Counters of the flushes, for `/metrics` and the benchmark.
#[derive(Debug, Default)]
pub struct FlushStats {
    pub flushes: AtomicU64,
    pub failures: AtomicU64,
    pub rows: AtomicU64,
    pub micros: AtomicU64,
    pub new_addresses: AtomicU64,
}

/// Pending usage by key id.
#[derive(Debug, Default)]
pub struct UsageBuffer {
    pending: Mutex<Pending>,
    /// Keys the flushes gave a new address, until the sweep takes them.
    grown: Mutex<GrownKeys>,
    pub stats: FlushStats,
}

impl UsageBuffer {
    /// Notes that `found`'s key was presented at `at` from `ip` with
    /// `outcome`.
    pub fn record(
        &self,
        found: &FoundKey,
        at: DateTime<Utc>,
        ip: Option<IpAddr>,
        outcome: Outcome,
    ) {
        let Ok(mut pending) = self.pending.lock() else {
            return;
        };
        let room = pending.addresses < ADDRESSES;
        let slot = pending.slot(found.key.id);
        slot.count(at.date_naive(), outcome, 1);
        if outcome != Outcome::Used {
            return;
        }
        slot.use_from(at, ip);
        let Some(ip) = ip else {
            return;
        };
        let seen = Seen {
            first: at,
            last: at,
            uses: 1,
        };
        if slot.seen_from(ip, seen, room) {
            pending.addresses += 1;
        }
    }

    /// Writes everything pending; on failure puts it back for the next try.
    pub async fn flush(&self, store: &Store) {
        let taken = match self.pending.lock() {
            Ok(mut pending) => {
                pending.addresses = 0;
                std::mem::take(&mut pending.slots)
            }
            Err(_) => return,
        };
        if taken.is_empty() {
            return;
        }
        let batch = batch_of(&taken);
        let started = Instant::now();
        match store.usage_write(&batch).await {
            Ok(written) => {
                let s = &self.stats;
                s.flushes.fetch_add(1, Ordering::Relaxed);
                s.rows.fetch_add(written.rows as u64, Ordering::Relaxed);
                s.micros.fetch_add(
                    u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
                    Ordering::Relaxed,
                );
                s.new_addresses
                    .fetch_add(written.new_addresses as u64, Ordering::Relaxed);
                if let Ok(mut grown) = self.grown.lock() {
                    grown.add(&written.grown);
                }
            }
            Err(e) => {
                self.stats.failures.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(error = %e, keys = taken.len(), "could not record key usage; will retry");
                if let Ok(mut pending) = self.pending.lock() {
                    pending.merge(taken);
                }
            }
        }
    }

    /// The keys that gained an address since the last call, sorted;
    /// `None`: too many to list, check every key.
    pub fn take_grown(&self) -> Option<Vec<Uuid>> {
        self.grown.lock().ok()?.take()
    }

    /// Flushes every `interval` until `stop` is cancelled, then once more.
    pub async fn run(
        self: std::sync::Arc<Self>,
        store: Store,
        interval: Duration,
        stop: CancellationToken,
    ) {
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = stop.cancelled() => break,
                _ = tick.tick() => self.flush(&store).await,
            }
        }
        self.flush(&store).await;
    }
}

/// The rows one flush writes.
fn batch_of(slots: &HashMap<Uuid, Slot>) -> UsageBatch {
    let mut batch = UsageBatch::default();
    for (id, slot) in slots {
        if let Some((at, ip)) = &slot.last {
            batch
                .last_uses
                .push((*id, *at, ip.map(|ip| ip.to_string())));
        }
        for (day, counts) in &slot.days {
            batch.days.push((*id, *day, *counts));
        }
        for (ip, seen) in &slot.addresses {
            batch.addresses.push(AddressUse {
                key_id: *id,
                ip: ip.to_string(),
                first_seen: seen.first,
                last_seen: seen.last,
                uses: seen.uses,
            });
        }
    }
    batch
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(name: &str) -> FoundKey {
        let mut found = super::super::cache::test_lookup(Uuid::now_v7(), Uuid::now_v7());
        found.key.name = name.into();
        found.owner.username = "ana".into();
        found
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    fn taken(buffer: &UsageBuffer) -> UsageBatch {
        let pending = buffer.pending.lock().unwrap();
        batch_of(&pending.slots)
    }

    #[test]
    fn uses_and_refusals_coalesce_per_key_day_and_address() {
        let buffer = UsageBuffer::default();
        let key = found("ci");
        let t0: DateTime<Utc> = "2026-11-27T23:59:59Z".parse().unwrap();
        let t1: DateTime<Utc> = "2026-11-28T00:00:01Z".parse().unwrap();
        for _ in 0..3 {
            buffer.record(&key, t0, ip("203.0.113.1"), Outcome::Used);
        }
        buffer.record(&key, t1, ip("203.0.113.2"), Outcome::Used);
        buffer.record(&key, t1, ip("203.0.113.1"), Outcome::Used);
        buffer.record(&key, t1, ip("198.51.100.9"), Outcome::IpNotAllowed);
        buffer.record(&key, t0, None, Outcome::Revoked);
        let batch = taken(&buffer);
        assert_eq!(batch.last_uses.len(), 1);
        assert_eq!(batch.last_uses[0].1, t1);
        assert_eq!(batch.last_uses[0].2.as_deref(), Some("203.0.113.1"));
        let mut days = batch.days.clone();
        days.sort_by_key(|d| d.1);
        assert_eq!(days[0].2, [3, 1, 0, 0, 0, 0]);
        assert_eq!(days[1].2, [2, 0, 0, 0, 1, 0]);
        let one = batch
            .addresses
            .iter()
            .find(|a| a.ip == "203.0.113.1")
            .unwrap();
        assert_eq!((one.first_seen, one.last_seen, one.uses), (t0, t1, 4));
        assert_eq!(batch.addresses.len(), 2, "a refused address is not a use's");
    }

    #[test]
    fn a_key_used_from_one_address_on_one_day_allocates_nothing() {
        let buffer = UsageBuffer::default();
        let key = found("plain");
        let at = Utc::now();
        for _ in 0..3 {
            buffer.record(&key, at, ip("2001:db8::7"), Outcome::Used);
        }
        let pending = buffer.pending.lock().unwrap();
        let slot = &pending.slots[&key.key.id];
        assert!(!slot.days.spilled() && !slot.addresses.spilled());
        assert_eq!(slot.last, Some((at, ip("2001:db8::7"))));
        let batch = batch_of(&pending.slots);
        assert_eq!(batch.addresses[0].ip, "2001:db8::7");
        assert_eq!(batch.addresses[0].uses, 3);
    }

    #[test]
    fn addresses_are_bounded_per_key_and_in_all_but_uses_still_count() {
        let buffer = UsageBuffer::default();
        let key = found("flood");
        let at = Utc::now();
        for i in 0..1000u32 {
            let ip = format!("10.0.{}.{}", i / 256, i % 256);
            buffer.record(&key, at, Some(ip.parse().unwrap()), Outcome::Used);
        }
        let batch = taken(&buffer);
        assert_eq!(batch.addresses.len(), ADDRESSES_PER_KEY);
        assert_eq!(batch.days[0].2[0], 1000);
        assert_eq!(buffer.pending.lock().unwrap().addresses, ADDRESSES_PER_KEY);
    }

    #[test]
    fn a_failed_flush_merges_back_without_losing_counts() {
        let buffer = UsageBuffer::default();
        let key = found("k");
        let t0: DateTime<Utc> = "2026-11-27T10:00:00Z".parse().unwrap();
        let t1 = t0 + chrono::Duration::seconds(1);
        buffer.record(&key, t0, ip("203.0.113.1"), Outcome::Used);
        let failed = std::mem::take(&mut buffer.pending.lock().unwrap().slots);
        buffer.record(&key, t1, ip("203.0.113.1"), Outcome::Used);
        buffer.record(&key, t1, None, Outcome::Expired);
        buffer.pending.lock().unwrap().merge(failed);
        let batch = taken(&buffer);
        assert_eq!(batch.days[0].2, [2, 0, 1, 0, 0, 0]);
        assert_eq!(batch.last_uses[0].1, t1);
        let a = &batch.addresses[0];
        assert_eq!((a.first_seen, a.last_seen, a.uses), (t0, t1, 2));
    }
}
