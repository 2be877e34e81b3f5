//! Verification: is this presented key good, and whose is it — the hot path.
//!
//! [`Verifier`] owns everything that answers that question fast and keeps
//! the answer honest: the key cache (`cache`), the batched lookups of cache
//! misses (`lookup`), the coalesced last-use writes (`usage`) and, on
//! PostgreSQL, the follower of other replicas' invalidations (`follower`).
//! Its one entry point, [`Verifier::verify`], returns a [`Verdict`]: valid
//! with the key and its owner, or refused with a reason — never both.
//!
//! Its background tasks stop through one cancellation token and are joined
//! by [`Verifier::shutdown`], which also writes the last pending uses.
//!
//! Unauthenticated traffic reaches the database only so far: a digest known
//! to be unknown is answered from the cache, an address that keeps failing
//! is answered 429 by the `guard`, a full lookup queue answers 503 `busy`,
//! and a lookup that PostgreSQL does not answer within [`LOOKUP_DEADLINE`]
//! answers 503 `database_unavailable` — never a hang. (SQLite is a local
//! file with no outage to wait out, but its readers can queue behind a busy
//! machine: it gets [`SQLITE_LOOKUP_DEADLINE`].)
//!
//! During an outage nothing is served from memory (no stale-if-error): the
//! follower stops hearing its heartbeat within two seconds and switches the
//! cache off, so every key is then looked up and refused with a 503 until
//! the database answers again. A revoked key can never outlive its
//! revocation through an outage, and a gateway that wants to ride out one
//! can keep its own short cache of verdicts.

pub mod cache;
mod follower;
pub mod guard;
pub mod lookup;
pub mod usage;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use llavero_domain::KeyHash;

use llavero_domain::{key, KeyPrefix, Pepper};
use llavero_store::{now, Backend, Store, StoreError};
use llavero_types::{ApiKey, User, VerifyCode};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use cache::Invalidation;
use cache::KeyCache;
use guard::Guard;
use lookup::Lookups;
use usage::UsageBuffer;

/// Why a key was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Wrong prefix, length or checksum: refused before any database work.
    Malformed,
    /// No such key.
    Unknown,
    Revoked,
    Expired,
    /// The key's owner is disabled.
    OwnerDisabled,
}

impl Refusal {
    /// The `/verify` code of this refusal.
    pub fn code(self) -> VerifyCode {
        match self {
            Refusal::Malformed => VerifyCode::Malformed,
            Refusal::Unknown => VerifyCode::NotFound,
            Refusal::Revoked => VerifyCode::Revoked,
            Refusal::Expired => VerifyCode::Expired,
            Refusal::OwnerDisabled => VerifyCode::UserDisabled,
        }
    }
}

/// The answer about one presented key.
#[derive(Debug, Clone)]
pub enum Verdict {
    /// The key is good: it acts as `owner`, with the owner's role now.
    Valid {
        owner: User,
        key: ApiKey,
    },
    Refused(Refusal),
}

/// The longest a verification waits for PostgreSQL before it answers 503
/// `database_unavailable`.
pub const LOOKUP_DEADLINE: Duration = Duration::from_millis(800);
/// The same for SQLite.
pub const SQLITE_LOOKUP_DEADLINE: Duration = Duration::from_secs(5);

/// Why a key could not be judged.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The client address failed too many checks; retry after this many seconds.
    #[error("too many failed key checks; retry in {0} s")]
    Throttled(u64),
    /// The lookup queue is full.
    #[error("too many key lookups waiting")]
    Busy,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How the verifier caches and writes.
#[derive(Debug, Clone)]
pub struct VerifierSettings {
    /// How long a lookup may be served from the cache (0: never cached).
    pub cache_ttl: Duration,
    /// Most lookups cached at once.
    pub cache_capacity: usize,
    /// Most batched lookup queries running at once.
    pub lookups_in_flight: usize,
    /// How often pending last uses are written.
    pub usage_flush: Duration,
    /// Failed checks allowed per client address per minute (0: no limit).
    pub failures_per_minute: u32,
}

/// The key verifier of one process (see the module docs).
#[derive(Debug)]
pub struct Verifier {
    pepper: Pepper,
    prefix: KeyPrefix,
    cache: Arc<KeyCache>,
    lookups: Lookups,
    lookup_deadline: Duration,
    usage: Arc<UsageBuffer>,
    guard: Guard,
    stop: CancellationToken,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl Verifier {
    /// Starts the verifier's background tasks on the current runtime.
    pub fn start(
        store: Store,
        pepper: Pepper,
        prefix: KeyPrefix,
        settings: VerifierSettings,
    ) -> Self {
        let stop = CancellationToken::new();
        let lookup_deadline = match store.backend() {
            Backend::Postgres => LOOKUP_DEADLINE,
            Backend::Sqlite => SQLITE_LOOKUP_DEADLINE,
        };
        // On PostgreSQL the cache switches on once invalidations are heard.
        let cache = Arc::new(KeyCache::new(
            settings.cache_ttl,
            settings.cache_capacity,
            store.backend() == Backend::Sqlite,
        ));
        let (lookups, lookup_task) =
            Lookups::start(store.clone(), settings.lookups_in_flight, stop.clone());
        let usage = Arc::new(UsageBuffer::default());
        let tasks = vec![
            lookup_task,
            tokio::spawn(follower::run(store.clone(), cache.clone(), stop.clone())),
            tokio::spawn(usage.clone().run(store, settings.usage_flush, stop.clone())),
        ];
        Verifier {
            pepper,
            prefix,
            cache,
            lookups,
            lookup_deadline,
            usage,
            guard: Guard::new(settings.failures_per_minute),
            stop,
            tasks: Mutex::new(tasks),
        }
    }

    /// The verdict on `raw` as of now; a valid use is recorded as a last
    /// use from `ip` (written within a flush interval). Failed checks are
    /// counted against `ip` (when given); once it is over its limit, a key
    /// that would need a lookup is refused with [`VerifyError::Throttled`].
    #[tracing::instrument(level = "debug", skip_all, fields(ip = ?ip))]
    pub async fn verify(&self, raw: &str, ip: Option<&str>) -> Result<Verdict, VerifyError> {
        let Ok(parsed) = key::parse(&self.prefix, raw) else {
            return Ok(Verdict::Refused(Refusal::Malformed));
        };
        let hash = KeyHash::of(&self.pepper, &parsed);
        let verdict = self.judge(&hash, ip).await?;
        if matches!(verdict, Verdict::Refused(_)) {
            self.guard.fail(ip);
        }
        Ok(verdict)
    }

    async fn judge(&self, hash: &KeyHash, ip: Option<&str>) -> Result<Verdict, VerifyError> {
        let found = match self.cache.get(hash) {
            Some(hit) => hit,
            None if self.cache.is_unknown(hash) => return Ok(Verdict::Refused(Refusal::Unknown)),
            None => {
                // Only what would reach the database is stopped: a cached
                // answer costs nothing, whoever asks.
                if let Err(wait) = self.guard.check(ip) {
                    return Err(VerifyError::Throttled(wait));
                }
                let epoch = self.cache.epoch();
                let Some(found) = self.lookups.get(*hash, self.lookup_deadline).await? else {
                    self.cache.insert_unknown(hash, epoch);
                    return Ok(Verdict::Refused(Refusal::Unknown));
                };
                self.cache.insert(hash, &found, epoch);
                found
            }
        };
        let refusal = if found.revoked {
            Some(Refusal::Revoked)
        } else if found.key.expires_at.is_some_and(|at| at <= now()) {
            Some(Refusal::Expired)
        } else if found.owner.disabled {
            Some(Refusal::OwnerDisabled)
        } else {
            None
        };
        if let Some(refusal) = refusal {
            return Ok(Verdict::Refused(refusal));
        }
        let at = now();
        self.usage.record(found.key.id, at, ip);
        Ok(Verdict::Valid {
            owner: found.owner.clone(),
            key: ApiKey {
                last_used_at: Some(at),
                last_used_ip: ip.map(str::to_owned),
                ..found.key.clone()
            },
        })
    }

    /// Drops what this process cached that `what` made stale (other
    /// replicas hear of it through the change's notification).
    pub fn invalidate(&self, what: Invalidation) {
        self.cache.invalidate(what);
    }

    /// How many presented keys were looked up in the database (for metrics).
    pub fn looked_up(&self) -> u64 {
        self.lookups.looked_up()
    }

    /// How many lookups are cached (for metrics).
    pub fn cached(&self) -> usize {
        self.cache.len()
    }

    /// Stops the background tasks, waits for them, and writes pending uses.
    pub async fn shutdown(&self) {
        self.stop.cancel();
        let tasks = match self.tasks.lock() {
            Ok(mut tasks) => std::mem::take(&mut *tasks),
            Err(_) => return,
        };
        for task in tasks {
            if let Err(e) = task.await {
                tracing::warn!(error = %e, "a verification task failed");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use llavero_store::api_keys::NewApiKey;
    use llavero_types::Role;

    async fn store_in(dir: &tempfile::TempDir) -> Store {
        let url = format!("sqlite://{}/t.db?mode=rwc", dir.path().display());
        let store = Store::connect(&url, 2).await.unwrap();
        store.migrate().await.unwrap();
        store
    }

    #[tokio::test]
    async fn shutdown_joins_the_tasks_and_writes_the_last_uses() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(&dir).await;
        let pepper = Pepper::new(vec![7; 32]).unwrap();
        let prefix = KeyPrefix::default();
        let generated = key::generate(&prefix).unwrap();
        let parsed = key::parse(&prefix, generated.secret.expose()).unwrap();
        let tx = store.begin().await.unwrap();
        let owner = tx.user_insert("ana", "x".into(), Role::User).await.unwrap();
        let created = tx
            .api_key_insert(NewApiKey {
                user_id: owner.user.id,
                name: "k",
                hint: &generated.hint,
                hash: KeyHash::of(&pepper, &parsed),
                expires_at: None,
            })
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let verifier = Verifier::start(
            store.clone(),
            pepper,
            prefix,
            VerifierSettings {
                cache_ttl: Duration::from_secs(60),
                cache_capacity: 100,
                lookups_in_flight: 1,
                // Only the flush on shutdown can write within this test.
                usage_flush: Duration::from_secs(3600),
                failures_per_minute: 0,
            },
        );
        let verdict = verifier
            .verify(generated.secret.expose(), Some("203.0.113.9"))
            .await
            .unwrap();
        assert!(matches!(verdict, Verdict::Valid { ref key, .. } if key.id == created.id));
        let bad = verifier.verify("mco_nope", None).await.unwrap();
        assert!(matches!(bad, Verdict::Refused(Refusal::Malformed)));
        tokio::time::timeout(Duration::from_secs(5), verifier.shutdown())
            .await
            .expect("every task stops when cancelled");
        assert!(verifier.tasks.lock().unwrap().is_empty());
        let key = store
            .api_key_get(owner.user.id, created.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(key.last_used_ip.as_deref(), Some("203.0.113.9"));
    }
}
