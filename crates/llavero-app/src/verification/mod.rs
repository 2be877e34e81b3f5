//! Verification: is this presented key good, and whose is it — the hot path.
//!
//! [`Verifier`] owns everything that answers that question fast and keeps
//! the answer honest: the key cache (`cache`), the batched lookups of cache
//! misses (`lookup`), the coalesced usage writes (`usage`: last uses,
//! per-day counts of uses and refusals, addresses) and, on
//! PostgreSQL, the follower of other replicas' invalidations (`follower`).
//! Its one entry point, [`Verifier::verify`], returns a [`Verdict`]: valid
//! with the key and its owner, or refused with a reason — never both.
//!
//! A key's own limits are checked here too, on every use, cached or not:
//! the secret a roll replaced works until its grace period ends (then it is
//! refused as revoked), a key limited to networks is refused from any other
//! address (and the owner sees the attempt in the activity log, at most once
//! a minute per key and replica, so a flood cannot fill it), and a required
//! scope must be among the key's. Those two refusals are about a real key
//! used wrongly, not guessing: they do not count against the address.
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
mod flusher;
mod follower;
pub mod found;
pub mod grown;
pub mod guard;
pub mod lookup;
pub mod usage;

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use llavero_domain::KeyHash;

use llavero_domain::usage::Outcome;
use llavero_domain::{key, KeyPrefix, Pepper};
use llavero_store::activity::{NewEvent, UserRef};
use llavero_store::{now, Backend, Store, StoreError};
use llavero_types::{ActivityAction, ApiKey, User, VerifyCode};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

pub use cache::Invalidation;
use cache::KeyCache;
pub use found::FoundKey;
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
    /// The secret a roll replaced, after its grace period (a `REVOKED`).
    Superseded,
    /// The key is limited to networks the client address is not in.
    IpNotAllowed,
    /// The key lacks the required scope.
    ScopeMissing,
}

impl Refusal {
    /// The `/verify` code of this refusal.
    pub fn code(self) -> VerifyCode {
        match self {
            Refusal::Malformed => VerifyCode::Malformed,
            Refusal::Unknown => VerifyCode::NotFound,
            Refusal::Revoked | Refusal::Superseded => VerifyCode::Revoked,
            Refusal::IpNotAllowed => VerifyCode::IpNotAllowed,
            Refusal::ScopeMissing => VerifyCode::ScopeMissing,
            Refusal::Expired => VerifyCode::Expired,
            Refusal::OwnerDisabled => VerifyCode::UserDisabled,
        }
    }

    /// How the refusal counts in the key's usage (`None`: no key to count
    /// it for).
    pub fn outcome(self) -> Option<Outcome> {
        match self {
            Refusal::Malformed | Refusal::Unknown => None,
            Refusal::Revoked | Refusal::Superseded => Some(Outcome::Revoked),
            Refusal::Expired => Some(Outcome::Expired),
            Refusal::OwnerDisabled => Some(Outcome::UserDisabled),
            Refusal::IpNotAllowed => Some(Outcome::IpNotAllowed),
            Refusal::ScopeMissing => Some(Outcome::ScopeMissing),
        }
    }
}

/// The answer about one presented key.
// Valid is the common answer on the hot path: boxing it would add an
// allocation to nearly every verification to shrink the rare refusal.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Verdict {
    /// The key is good: it acts as `owner`, with the owner's role now,
    /// within the key's scopes (`key.scopes`).
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
    /// Keys whose refused address was logged in the last minute.
    ip_refusals_logged: moka::sync::Cache<Uuid, ()>,
    store: Store,
    stop: CancellationToken,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

/// How often, at most, a key's refused addresses reach the activity log.
const IP_REFUSAL_LOG_EVERY: Duration = Duration::from_secs(60);

impl Verifier {
    /// Starts the verifier's background tasks on the current runtime, and
    /// the usage flush on a thread of its own ([`flusher`]).
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
            flusher::start(
                usage.clone(),
                store.clone(),
                settings.usage_flush,
                stop.clone(),
            ),
        ];
        Verifier {
            pepper,
            prefix,
            cache,
            lookups,
            lookup_deadline,
            usage,
            guard: Guard::new(settings.failures_per_minute),
            ip_refusals_logged: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(IP_REFUSAL_LOG_EVERY)
                .build(),
            store,
            stop,
            tasks: Mutex::new(tasks),
        }
    }

    /// The verdict on `raw` as of now, used from `ip`, for something that
    /// needs every scope in `needed`; the presentation of a known key is
    /// recorded in its usage — a use, or a refusal by reason — and written
    /// within a flush interval. Failed checks are
    /// counted against `ip` (when given); once it is over its limit, a key
    /// that would need a lookup is refused with [`VerifyError::Throttled`].
    /// `ip` is an address as its callers give it (parsed, then written
    /// out); text that is not one counts as no address for the key's
    /// networks and its usage.
    #[tracing::instrument(level = "debug", skip_all, fields(ip = ?ip))]
    pub async fn verify(
        &self,
        raw: &str,
        ip: Option<&str>,
        needed: &[String],
    ) -> Result<Verdict, VerifyError> {
        let Ok(parsed) = key::parse(&self.prefix, raw) else {
            return Ok(Verdict::Refused(Refusal::Malformed));
        };
        let hash = KeyHash::of(&self.pepper, &parsed);
        // Read once for the key's networks and its usage, which keeps it
        // as 17 bytes, not a string (`usage`).
        let address = ip.and_then(|ip| ip.parse::<IpAddr>().ok());
        let verdict = self.judge(&hash, ip, address, needed).await?;
        if let Verdict::Refused(why) = verdict {
            if !matches!(why, Refusal::IpNotAllowed | Refusal::ScopeMissing) {
                self.guard.fail(ip);
            }
        }
        Ok(verdict)
    }

    async fn judge(
        &self,
        hash: &KeyHash,
        ip: Option<&str>,
        address: Option<IpAddr>,
        needed: &[String],
    ) -> Result<Verdict, VerifyError> {
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
        let at = now();
        let refusal = if found.revoked {
            Some(Refusal::Revoked)
        } else if found.superseded_until.is_some_and(|until| until <= at) {
            Some(Refusal::Superseded)
        } else if found.key.expires_at.is_some_and(|expiry| expiry <= at) {
            Some(Refusal::Expired)
        } else if found.owner.disabled {
            Some(Refusal::OwnerDisabled)
        } else if !found.cidrs.is_empty() && !found.cidrs.allows(address) {
            self.log_ip_refusal(&found, ip);
            Some(Refusal::IpNotAllowed)
        } else if needed.iter().any(|scope| !found.scopes.allows(scope)) {
            Some(Refusal::ScopeMissing)
        } else {
            None
        };
        if let Some(refusal) = refusal {
            if let Some(outcome) = refusal.outcome() {
                self.usage.record(&found, at, address, outcome);
            }
            return Ok(Verdict::Refused(refusal));
        }
        self.usage.record(&found, at, address, Outcome::Used);
        Ok(Verdict::Valid {
            owner: found.owner.clone(),
            key: ApiKey {
                last_used_at: Some(at),
                last_used_ip: ip.map(str::to_owned),
                forgotten: false,
                ..found.key.clone()
            },
        })
    }

    /// Tells the key's owner, through the activity log, that the key was
    /// presented from `ip`, outside its networks: at most once a minute per
    /// key on this replica, written in the background.
    fn log_ip_refusal(&self, found: &FoundKey, ip: Option<&str>) {
        let entry = self.ip_refusals_logged.entry(found.key.id).or_insert(());
        if !entry.is_fresh() {
            return;
        }
        let event = NewEvent {
            action: ActivityAction::ApiKeyIpRefused,
            actor: Some(UserRef {
                id: found.owner.id,
                username: found.owner.username.clone(),
            }),
            ip: ip.map(str::to_owned),
            api_key_id: Some(found.key.id),
            target_type: Some("api_key"),
            target_id: Some(found.key.id),
            detail: Some(format!("name: {}", found.key.name)),
            owner_id: Some(found.owner.id),
        };
        let store = self.store.clone();
        tokio::spawn(async move {
            let written = async {
                let tx = store.begin().await?;
                tx.activity_record(event).await?;
                tx.commit().await
            };
            if let Err(e) = written.await {
                tracing::warn!(error = %e, "could not log a refused key address");
            }
        });
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

    /// The usage flushes' counters (for metrics).
    pub fn usage_stats(&self) -> &usage::FlushStats {
        &self.usage.stats
    }

    /// The keys this process's flushes gave a new address since the sweep
    /// last asked; `None`: too many to list (see [`grown`]).
    pub fn take_grown(&self) -> Option<Vec<Uuid>> {
        self.usage.take_grown()
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

    /// A migrated SQLite store in `dir`.
    pub(super) async fn store_in(dir: &tempfile::TempDir) -> Store {
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
                scopes: &llavero_domain::Scopes::All,
                cidrs: &llavero_domain::Cidrs::default(),
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
            .verify(generated.secret.expose(), Some("203.0.113.9"), &[])
            .await
            .unwrap();
        assert!(matches!(verdict, Verdict::Valid { ref key, .. } if key.id == created.id));
        let bad = verifier.verify("mco_nope", None, &[]).await.unwrap();
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
