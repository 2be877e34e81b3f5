//! The verification cache: recent key lookups by digest, so a hot key costs
//! no database round trip.
//!
//! It must never lie about revocation. Three mechanisms keep it honest:
//! - whoever revokes a key, renames it or changes its owner drops the
//!   entries here at once and notifies every other replica (PostgreSQL
//!   LISTEN/NOTIFY, see `llavero_store::notify`);
//! - an epoch, bumped by every invalidation, keeps a lookup that raced an
//!   invalidation from putting its stale answer back;
//! - a short TTL bounds the damage of anything missed, and while the
//!   notification connection is down the cache is bypassed and emptied.
//!
//! Only found keys are cached (with their state and owner); a digest the
//! database does not know is asked again, so a key created on another
//! replica works at once.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use llavero_domain::KeyHash;
use llavero_store::api_keys::KeyLookup;
use uuid::Uuid;

const SHARDS: usize = 16;

#[derive(Debug)]
struct Entry {
    lookup: Arc<KeyLookup>,
    at: Instant,
}

/// Cached key lookups, sharded to keep lock contention low.
#[derive(Debug)]
pub struct KeyCache {
    shards: Vec<Mutex<HashMap<[u8; 32], Entry>>>,
    ttl: Duration,
    per_shard: usize,
    enabled: AtomicBool,
    epoch: AtomicU64,
}

/// What an invalidation names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalidation {
    Key(Uuid),
    User(Uuid),
}

impl Invalidation {
    /// The NOTIFY payload.
    pub fn payload(self) -> String {
        match self {
            Invalidation::Key(id) => format!("key:{id}"),
            Invalidation::User(id) => format!("user:{id}"),
        }
    }

    /// Reads a NOTIFY payload.
    pub fn parse(payload: &str) -> Option<Self> {
        let (kind, id) = payload.split_once(':')?;
        let id = Uuid::parse_str(id).ok()?;
        match kind {
            "key" => Some(Invalidation::Key(id)),
            "user" => Some(Invalidation::User(id)),
            _ => None,
        }
    }
}

impl KeyCache {
    /// A cache keeping entries for `ttl` (zero disables it), up to `capacity` in all.
    pub fn new(ttl: Duration, capacity: usize, enabled: bool) -> Self {
        KeyCache {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            ttl,
            per_shard: (capacity / SHARDS).max(1),
            enabled: AtomicBool::new(enabled && !ttl.is_zero()),
            epoch: AtomicU64::new(0),
        }
    }

    fn shard(&self, hash: &KeyHash) -> &Mutex<HashMap<[u8; 32], Entry>> {
        &self.shards[usize::from(hash.0[0]) % SHARDS]
    }

    /// The epoch to pass back to [`KeyCache::insert`] after a database lookup.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// A fresh cached lookup for `hash`.
    pub fn get(&self, hash: &KeyHash) -> Option<Arc<KeyLookup>> {
        if !self.enabled.load(Ordering::Acquire) {
            return None;
        }
        let map = self.shard(hash).lock().ok()?;
        let entry = map.get(&hash.0)?;
        (entry.at.elapsed() < self.ttl).then(|| entry.lookup.clone())
    }

    /// Caches `lookup`, unless an invalidation happened since `epoch` was read.
    pub fn insert(&self, hash: &KeyHash, lookup: &Arc<KeyLookup>, epoch: u64) {
        if !self.enabled.load(Ordering::Acquire) {
            return;
        }
        let Ok(mut map) = self.shard(hash).lock() else {
            return;
        };
        // Checked under the shard lock, which invalidations also take.
        if self.epoch.load(Ordering::Acquire) != epoch {
            return;
        }
        if map.len() >= self.per_shard {
            let ttl = self.ttl;
            map.retain(|_, e| e.at.elapsed() < ttl);
            if map.len() >= self.per_shard {
                map.clear();
            }
        }
        map.insert(
            hash.0,
            Entry {
                lookup: Arc::clone(lookup),
                at: Instant::now(),
            },
        );
    }

    /// Drops every entry about the key or user named.
    pub fn invalidate(&self, what: Invalidation) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        for shard in &self.shards {
            if let Ok(mut map) = shard.lock() {
                self.epoch.fetch_add(1, Ordering::AcqRel);
                map.retain(|_, e| match what {
                    Invalidation::Key(id) => e.lookup.key.id != id,
                    Invalidation::User(id) => e.lookup.owner.id != id,
                });
            }
        }
    }

    /// Turns the cache on or off; off also empties it.
    pub fn set_enabled(&self, on: bool) {
        let on = on && !self.ttl.is_zero();
        self.enabled.store(on, Ordering::Release);
        if !on {
            self.epoch.fetch_add(1, Ordering::AcqRel);
            for shard in &self.shards {
                if let Ok(mut map) = shard.lock() {
                    map.clear();
                }
            }
        }
    }

    /// How many entries are held (for metrics).
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .filter_map(|s| s.lock().ok())
            .map(|m| m.len())
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Applies invalidations from every replica until the process ends.
///
/// While the listening connection is down the cache is off (and empty):
/// notifications missed then could otherwise leave a revoked key cached.
/// On SQLite there is no channel and this returns at once, leaving the
/// cache on: the embedded mode is a single process.
pub async fn follow_invalidations(store: llavero_store::Store, cache: std::sync::Arc<KeyCache>) {
    loop {
        match store.invalidation_listener().await {
            Ok(None) => return,
            Ok(Some(mut listener)) => {
                cache.set_enabled(true);
                tracing::info!("listening for cache invalidations");
                loop {
                    match listener.recv().await {
                        Ok(payload) => match Invalidation::parse(&payload) {
                            Some(what) => cache.invalidate(what),
                            None => tracing::warn!(%payload, "unknown invalidation"),
                        },
                        Err(e) => {
                            tracing::warn!(error = %e, "lost the invalidation channel; cache off until it is back");
                            break;
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot listen for invalidations; cache off"),
        }
        cache.set_enabled(false);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use llavero_types::{ApiKey, Role, User};

    fn lookup(key: Uuid, user: Uuid) -> Arc<KeyLookup> {
        Arc::new(KeyLookup {
            key: ApiKey {
                id: key,
                name: "k".into(),
                hint: "mco_…abcd".into(),
                created_at: Utc::now(),
                last_used_at: None,
                last_used_ip: None,
                expires_at: None,
            },
            revoked: false,
            owner: User {
                id: user,
                username: "u".into(),
                role: Role::User,
                disabled: false,
                created_at: Utc::now(),
            },
        })
    }

    #[test]
    fn hits_until_invalidated_by_key_or_user() {
        let cache = KeyCache::new(Duration::from_secs(60), 1000, true);
        let (k, u) = (Uuid::new_v4(), Uuid::new_v4());
        let h1 = KeyHash([1; 32]);
        let h2 = KeyHash([2; 32]);
        cache.insert(&h1, &lookup(k, u), cache.epoch());
        cache.insert(&h2, &lookup(Uuid::new_v4(), u), cache.epoch());
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
        let epoch = cache.epoch();
        cache.invalidate(Invalidation::User(Uuid::new_v4()));
        cache.insert(
            &KeyHash([3; 32]),
            &lookup(Uuid::new_v4(), Uuid::new_v4()),
            epoch,
        );
        assert!(cache.get(&KeyHash([3; 32])).is_none());
    }

    #[test]
    fn entries_expire_and_a_disabled_cache_holds_nothing() {
        let cache = KeyCache::new(Duration::from_millis(20), 1000, true);
        cache.insert(
            &KeyHash([4; 32]),
            &lookup(Uuid::new_v4(), Uuid::new_v4()),
            cache.epoch(),
        );
        std::thread::sleep(Duration::from_millis(30));
        assert!(cache.get(&KeyHash([4; 32])).is_none());
        cache.set_enabled(false);
        cache.insert(
            &KeyHash([5; 32]),
            &lookup(Uuid::new_v4(), Uuid::new_v4()),
            cache.epoch(),
        );
        assert!(cache.is_empty());
    }

    #[test]
    fn payloads_round_trip() {
        let id = Uuid::new_v4();
        for what in [Invalidation::Key(id), Invalidation::User(id)] {
            assert_eq!(Invalidation::parse(&what.payload()), Some(what));
        }
        assert_eq!(Invalidation::parse("nonsense"), None);
    }
}
