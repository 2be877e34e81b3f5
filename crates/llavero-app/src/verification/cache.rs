//! The verification cache: recent key lookups by digest, so a hot key costs
//! no database round trip.
//!
//! It must never lie about revocation. Three mechanisms keep it honest:
//! - whoever revokes a key, renames it or changes its owner drops the
//!   entries here at once (after the change commits) and every other replica
//!   hears of it through the change's own `pg_notify` (see `follower`);
//! - an epoch, bumped by every invalidation, keeps a lookup that raced an
//!   invalidation from leaving its stale answer behind;
//! - a TTL bounds the damage of anything missed, and while the notification
//!   connection is down the cache is bypassed and emptied.
//!
//! Found keys are cached with their state and owner. A digest the database
//! does not know is remembered too (a negative entry, in a smaller cache of
//! its own, with the same TTL), so a client repeating an unknown key costs
//! no query. Creating a key drops the negative entry of its digest on the
//! replica that created it; other replicas are not told (see
//! `usecases::api_keys::create`): they can hold a negative entry for a new
//! key's digest only if someone presented that key before its random bits
//! were drawn. A `new:<digest>` notification is still understood, should a
//! future way of adding keys (an import) need it.
//!
//! Storage is moka's concurrent cache (bounded by entry count, TinyLFU
//! admission, per-entry TTL) rather than the hand-written sharded map of
//! earlier versions, which cleared a whole shard when it filled: moka evicts
//! the least useful entries instead and invalidates by predicate (a key id,
//! or every key of a user) without a scan under a lock.
//!
//! A found key is cached on its second lookup, not its first: a table of
//! digest fingerprints (four slots per entry of capacity, 8 bytes each:
//! 512 KiB at the server's 16,384 entries) remembers the digests looked up
//! once. A hot key costs one more lookup before it is served from memory;
//! a load of keys each asked for once — a cold load, a million keys drawn
//! at random — costs moka nothing, where inserting each answer and
//! evicting it unused cost a cold load ~10 % of its throughput and doubled
//! its p99 (interleaved on 2 cores, 1M keys: 13.0k against 14.0k
//! verifies/s, p99 40 against 21 ms; `docs/profile.md`, "Sixth round").
//! moka's own admission (TinyLFU) decides only after the insert's work.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use llavero_domain::KeyHash;
use moka::sync::Cache;
use uuid::Uuid;

use super::found::FoundKey;

/// Cached lookups by key digest.
#[derive(Debug)]
pub struct KeyCache {
    entries: Cache<[u8; 32], Arc<FoundKey>>,
    unknown: Cache<[u8; 32], ()>,
    ttl: Duration,
    enabled: AtomicBool,
    epoch: AtomicU64,
    /// Digests looked up once: a fingerprint per slot (see [`KeyCache::admit`]).
    seen: Box<[AtomicU64]>,
}

/// What a change makes stale: one key, every key of one user, or the
/// negative entry of a new key's digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalidation {
    Key(Uuid),
    User(Uuid),
    Created(KeyHash),
}

impl Invalidation {
    /// The notification payload (`key:<uuid>` or `user:<uuid>`).
    pub fn payload(self) -> String {
        match self {
            Invalidation::Key(id) => format!("key:{id}"),
            Invalidation::User(id) => format!("user:{id}"),
            Invalidation::Created(hash) => format!("new:{}", hash.to_hex()),
        }
    }

    /// Parses a payload written by [`Invalidation::payload`].
    pub fn parse(payload: &str) -> Option<Self> {
        let (kind, id) = payload.split_once(':')?;
        match kind {
            "key" => Some(Invalidation::Key(Uuid::parse_str(id).ok()?)),
            "user" => Some(Invalidation::User(Uuid::parse_str(id).ok()?)),
            "new" => Some(Invalidation::Created(KeyHash::from_hex(id)?)),
            _ => None,
        }
    }

    fn matches(self, lookup: &FoundKey) -> bool {
        match self {
            Invalidation::Key(id) => lookup.key.id == id,
            Invalidation::User(id) => lookup.owner.id == id,
            Invalidation::Created(_) => false,
        }
    }
}

impl KeyCache {
    /// A cache of at most `capacity` lookups, each kept at most `ttl`.
    /// A zero TTL, or `enabled = false`, caches nothing.
    /// Negative entries are bounded to half the capacity.
    pub fn new(ttl: Duration, capacity: usize, enabled: bool) -> Self {
        let entries = Cache::builder()
            .max_capacity(capacity as u64)
            .time_to_live(ttl.max(Duration::from_millis(1)))
            .support_invalidation_closures()
            .build();
        let unknown = Cache::builder()
            .max_capacity((capacity / 2).max(1) as u64)
            .time_to_live(ttl.max(Duration::from_millis(1)))
            .build();
        KeyCache {
            entries,
            unknown,
            ttl,
            enabled: AtomicBool::new(enabled && !ttl.is_zero()),
            epoch: AtomicU64::new(0),
            seen: (0..(capacity * 4).max(1).next_power_of_two())
                .map(|_| AtomicU64::new(0))
                .collect(),
        }
    }

    /// Whether a looked-up `hash` goes into the cache: on its second lookup
    /// since its slot last held another digest, not its first. A key asked
    /// for once (a cold load of many keys) then costs the cache nothing.
    fn admit(&self, hash: &KeyHash) -> bool {
        let word = |i: usize| {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(&hash.0[i..i + 8]);
            u64::from_le_bytes(bytes)
        };
        // The digest is an HMAC: its bits are already uniform.
        let slot = &self.seen[(word(0) as usize) & (self.seen.len() - 1)];
        let fingerprint = word(8) | 1;
        if slot.load(Ordering::Relaxed) == fingerprint {
            slot.store(0, Ordering::Relaxed);
            true
        } else {
            slot.store(fingerprint, Ordering::Relaxed);
            false
        }
    }

    /// The current epoch: read it before a lookup, hand it to [`KeyCache::insert`].
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::SeqCst)
    }

    /// The cached lookup for `hash`, if fresh.
    pub fn get(&self, hash: &KeyHash) -> Option<Arc<FoundKey>> {
        if !self.enabled.load(Ordering::Acquire) {
            return None;
        }
        self.entries.get(&hash.0)
    }

    /// Caches `lookup` unless an invalidation happened since `epoch` was read,
    /// from its digest's second lookup on ([`KeyCache::admit`]).
    pub fn insert(&self, hash: &KeyHash, lookup: &Arc<FoundKey>, epoch: u64) {
        if !self.enabled.load(Ordering::Acquire) || self.epoch() != epoch || !self.admit(hash) {
            return;
        }
        self.entries.insert(hash.0, Arc::clone(lookup));
        // An invalidation between the check above and the insert bumped the
        // epoch before dropping entries: seeing it now, drop ours too. One
        // after this load drops ours itself (it was inserted before).
        if self.epoch() != epoch {
            self.entries.invalidate(&hash.0);
        }
    }

    /// Whether `hash` is known not to be a key.
    pub fn is_unknown(&self, hash: &KeyHash) -> bool {
        self.enabled.load(Ordering::Acquire) && self.unknown.contains_key(&hash.0)
    }

    /// Remembers that `hash` is no key, unless an invalidation happened
    /// since `epoch` was read (a key with that digest may have been created).
    pub fn insert_unknown(&self, hash: &KeyHash, epoch: u64) {
        if !self.enabled.load(Ordering::Acquire) || self.epoch() != epoch {
            return;
        }
        self.unknown.insert(hash.0, ());
        if self.epoch() != epoch {
            self.unknown.invalidate(&hash.0);
        }
    }

    /// Drops every entry `what` makes stale.
    pub fn invalidate(&self, what: Invalidation) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        if let Invalidation::Created(hash) = what {
            self.unknown.invalidate(&hash.0);
            return;
        }
        if self
            .entries
            .invalidate_entries_if(move |_, lookup| what.matches(lookup))
            .is_err()
        {
            // Predicates unsupported cannot happen (the builder enables
            // them); should it, dropping everything is the safe answer.
            self.entries.invalidate_all();
        }
    }

    /// Turns caching on or off; off also empties the cache. Either way the
    /// epoch moves on: a lookup that started while the cache was off (when
    /// invalidations may have been missed) must not be cached once it is on.
    pub fn set_enabled(&self, on: bool) {
        let on = on && !self.ttl.is_zero();
        self.epoch.fetch_add(1, Ordering::SeqCst);
        if !on {
            self.entries.invalidate_all();
            self.unknown.invalidate_all();
        }
        self.enabled.store(on, Ordering::Release);
    }

    /// How many lookups are cached (after pending maintenance: not for hot paths).
    pub fn len(&self) -> usize {
        self.entries.run_pending_tasks();
        usize::try_from(self.entries.entry_count()).unwrap_or(usize::MAX)
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A live key with every privilege, named `k`, of user `u`: for the
/// verifier's unit tests.
#[cfg(test)]
pub(crate) fn test_lookup(key: Uuid, user: Uuid) -> FoundKey {
    use chrono::Utc;
    use llavero_types::{ApiKey, Role, User};
    FoundKey {
        key: ApiKey {
            id: key,
            name: "k".into(),
            hint: "mco_…abcd".into(),
            created_at: Utc::now(),
            last_used_at: None,
            last_used_ip: None,
            expires_at: None,
            scopes: None,
            allowed_cidrs: Vec::new(),
            previous_secret_expires_at: None,
            forgotten: false,
        },
        revoked: false,
        scopes: llavero_domain::Scopes::All,
        cidrs: llavero_domain::Cidrs::default(),
        superseded_until: None,
        owner: User {
            id: user,
            username: "u".into(),
            role: Role::User,
            disabled: false,
            oidc: false,
            created_at: Utc::now(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(key: Uuid, user: Uuid) -> Arc<FoundKey> {
        Arc::new(test_lookup(key, user))
    }

    /// Looks `hash` up twice: a lookup is cached on its second miss.
    fn insert_twice(cache: &KeyCache, hash: &KeyHash, found: &Arc<FoundKey>) {
        for _ in 0..2 {
            cache.insert(hash, found, cache.epoch());
        }
    }

    #[test]
    fn a_key_is_cached_on_its_second_lookup_not_its_first() {
        let cache = KeyCache::new(Duration::from_secs(60), 1000, true);
        let found = lookup(Uuid::new_v4(), Uuid::new_v4());
        let (a, b) = (KeyHash([10; 32]), KeyHash([11; 32]));
        cache.insert(&a, &found, cache.epoch());
        assert!(cache.get(&a).is_none(), "cached on its first lookup");
        cache.insert(&a, &found, cache.epoch());
        assert!(cache.get(&a).is_some(), "not cached on its second lookup");
        // Another digest in the same slot in between: `a` starts over.
        let mut same_slot = [12; 32];
        same_slot[..8].copy_from_slice(&b.0[..8]);
        cache.insert(&b, &found, cache.epoch());
        cache.insert(&KeyHash(same_slot), &found, cache.epoch());
        cache.insert(&b, &found, cache.epoch());
        assert!(cache.get(&b).is_none(), "cached although its slot moved on");
        cache.insert(&b, &found, cache.epoch());
        assert!(cache.get(&b).is_some());
    }

    #[test]
    fn hits_until_invalidated_by_key_or_user() {
        let cache = KeyCache::new(Duration::from_secs(60), 1000, true);
        let (k, u) = (Uuid::new_v4(), Uuid::new_v4());
        let h1 = KeyHash([1; 32]);
        let h2 = KeyHash([2; 32]);
        insert_twice(&cache, &h1, &lookup(k, u));
        insert_twice(&cache, &h2, &lookup(Uuid::new_v4(), u));
        assert!(cache.get(&h1).is_some());
        cache.invalidate(Invalidation::Key(k));
        assert!(cache.get(&h1).is_none());
        assert!(cache.get(&h2).is_some());
        cache.invalidate(Invalidation::User(u));
        assert!(cache.get(&h2).is_none());
    }

    #[test]
    fn a_lookup_that_raced_an_invalidation_is_not_cached() {
        let cache = KeyCache::new(Duration::from_secs(60), 1000, true);
        let (hash, found) = (KeyHash([3; 32]), lookup(Uuid::new_v4(), Uuid::new_v4()));
        // Seen once already: only the race may keep it out.
        cache.insert(&hash, &found, cache.epoch());
        let epoch = cache.epoch();
        cache.invalidate(Invalidation::User(Uuid::new_v4()));
        cache.insert(&hash, &found, epoch);
        assert!(cache.get(&hash).is_none());
        cache.insert(&hash, &found, cache.epoch());
        assert!(cache.get(&hash).is_some(), "the race left the slot behind");
    }

    #[test]
    fn entries_expire_and_a_disabled_cache_holds_nothing() {
        let cache = KeyCache::new(Duration::from_millis(20), 1000, true);
        let found = lookup(Uuid::new_v4(), Uuid::new_v4());
        insert_twice(&cache, &KeyHash([4; 32]), &found);
        assert!(cache.get(&KeyHash([4; 32])).is_some());
        std::thread::sleep(Duration::from_millis(30));
        assert!(cache.get(&KeyHash([4; 32])).is_none());
        cache.set_enabled(false);
        insert_twice(&cache, &KeyHash([5; 32]), &found);
        assert!(cache.is_empty());
    }

    #[test]
    fn a_lookup_from_before_the_cache_came_on_is_not_cached() {
        let cache = KeyCache::new(Duration::from_secs(60), 1000, false);
        let (hash, found) = (KeyHash([6; 32]), lookup(Uuid::new_v4(), Uuid::new_v4()));
        let epoch = cache.epoch();
        cache.set_enabled(true);
        cache.insert(&hash, &found, cache.epoch());
        cache.insert(&hash, &found, epoch);
        assert!(cache.get(&hash).is_none());
    }

    #[test]
    fn an_unknown_digest_is_remembered_until_a_key_has_it() {
        let cache = KeyCache::new(Duration::from_secs(60), 1000, true);
        let hash = KeyHash([7; 32]);
        cache.insert_unknown(&hash, cache.epoch());
        assert!(cache.is_unknown(&hash));
        cache.invalidate(Invalidation::Created(hash));
        assert!(!cache.is_unknown(&hash));
        // A lookup that began before the creation leaves nothing behind.
        let epoch = cache.epoch();
        cache.invalidate(Invalidation::Created(hash));
        cache.insert_unknown(&hash, epoch);
        assert!(!cache.is_unknown(&hash));
        cache.insert_unknown(&hash, cache.epoch());
        cache.set_enabled(false);
        cache.set_enabled(true);
        assert!(
            !cache.is_unknown(&hash),
            "switching off forgets negatives too"
        );
    }

    #[test]
    fn payloads_round_trip() {
        let id = Uuid::new_v4();
        for what in [
            Invalidation::Key(id),
            Invalidation::User(id),
            Invalidation::Created(KeyHash([9; 32])),
        ] {
            assert_eq!(Invalidation::parse(&what.payload()), Some(what));
        }
        assert_eq!(Invalidation::parse("nonsense"), None);
    }
}
