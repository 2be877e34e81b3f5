//! Batched key lookups: concurrent cache misses share one query.
//!
//! Every request whose key is not cached needs the database. Sent one by one,
//! each lookup pays a full round trip plus the pool's per-checkout work (sqlx
//! pings a connection every time it goes back to the pool), and under load
//! that overhead, not the index lookup, is what the database spends its time
//! on. So misses go through [`Lookups`]: a background task takes every miss
//! waiting at that moment (up to [`MAX_BATCH`]) and resolves them with one
//! `api_key_lookup_many` query, with at most `in_flight` such queries at once.
//! When the database keeps up, each batch holds one key and nothing waits;
//! when it does not, waiting misses pile up into bigger batches, so the cost
//! per lookup falls exactly when it matters.
//!
//! A batch is only formed from misses already queued, and a query only
//! starts after its batch is formed; so a lookup that starts after a
//! revocation committed always reads the revoked row.
//!
//! The queue is bounded ([`QUEUE`] misses): when it is full the database is
//! already behind, and a new miss is refused at once ([`VerifyError::Busy`])
//! rather than queued without end. A caller waits at most its deadline.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use llavero_domain::KeyHash;
use llavero_store::{DatabaseError, Store, StoreError};
use tokio::sync::{mpsc, oneshot, Semaphore};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::found::FoundKey;
use super::VerifyError;

/// Most keys looked up by one query.
pub const MAX_BATCH: usize = 128;

/// Most misses waiting for a batch.
pub const QUEUE: usize = 32 * MAX_BATCH;

type Reply = oneshot::Sender<Result<Option<Arc<FoundKey>>, StoreError>>;

/// The queue of cache misses waiting for the database.
#[derive(Debug, Clone)]
pub struct Lookups {
    queue: mpsc::Sender<(KeyHash, Reply)>,
    looked_up: Arc<AtomicU64>,
}

impl Lookups {
    /// Starts the batching task on the current runtime, with at most
    /// `in_flight` queries running at once, until `stop` is cancelled.
    pub fn start(
        store: Store,
        in_flight: usize,
        stop: CancellationToken,
    ) -> (Self, JoinHandle<()>) {
        let (queue, waiting) = mpsc::channel(QUEUE);
        let looked_up = Arc::new(AtomicU64::new(0));
        let task = tokio::spawn(run(
            store,
            waiting,
            in_flight.max(1),
            looked_up.clone(),
            stop,
        ));
        (Lookups { queue, looked_up }, task)
    }

    /// How many keys have been looked up in the database.
    pub fn looked_up(&self) -> u64 {
        self.looked_up.load(Ordering::Relaxed)
    }

    /// The key with digest `hash` and its owner, as of a query that started
    /// after this call; the database unavailable if no answer came within
    /// `deadline`.
    pub async fn get(
        &self,
        hash: KeyHash,
        deadline: Duration,
    ) -> Result<Option<Arc<FoundKey>>, VerifyError> {
        let (reply, answer) = oneshot::channel();
        self.queue.try_send((hash, reply)).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => VerifyError::Busy,
            mpsc::error::TrySendError::Closed(_) => stopped().into(),
        })?;
        match tokio::time::timeout(deadline, answer).await {
            Ok(Ok(found)) => Ok(found?),
            Ok(Err(_)) => Err(stopped().into()),
            Err(_) => Err(StoreError::Unavailable(DatabaseError::Custom(format!(
                "no answer to a key lookup within {} ms",
                deadline.as_millis()
            )))
            .into()),
        }
    }
}

fn stopped() -> StoreError {
    StoreError::Database(DatabaseError::Custom(
        "the key lookup task has stopped".into(),
    ))
}

async fn run(
    store: Store,
    mut waiting: mpsc::Receiver<(KeyHash, Reply)>,
    in_flight: usize,
    looked_up: Arc<AtomicU64>,
    stop: CancellationToken,
) {
    let slots = Arc::new(Semaphore::new(in_flight));
    loop {
        // Take a slot first: while every slot is busy, misses keep queueing
        // and the next batch grows.
        let slot = tokio::select! {
            () = stop.cancelled() => return,
            slot = slots.clone().acquire_owned() => slot,
        };
        let Ok(slot) = slot else {
            return;
        };
        let first = tokio::select! {
            () = stop.cancelled() => return,
            first = waiting.recv() => first,
        };
        let Some(first) = first else {
            return;
        };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match waiting.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        looked_up.fetch_add(batch.len() as u64, Ordering::Relaxed);
        let store = store.clone();
        tokio::spawn(async move {
            answer(&store, batch).await;
            drop(slot);
        });
    }
}

async fn answer(store: &Store, batch: Vec<(KeyHash, Reply)>) {
    let hashes: Vec<KeyHash> = batch.iter().map(|(hash, _)| *hash).collect();
    match store.api_key_lookup_many(&hashes).await {
        Ok(found) => {
            let now = llavero_store::now();
            let found: HashMap<KeyHash, Arc<FoundKey>> = found
                .into_iter()
                .map(|(hash, lookup)| (hash, Arc::new(FoundKey::at(lookup, now))))
                .collect();
            for (hash, reply) in batch {
                // A receiver that gave up (its request was dropped) is fine.
                let _ = reply.send(Ok(found.get(&hash).cloned()));
            }
        }
        Err(e) => {
            // Every waiter gets the same kind of error (an unreachable
            // database stays a 503, not a 500), with the cause as text.
            let unavailable = matches!(e, StoreError::Unavailable(_));
            let message = match e {
                StoreError::Database(db) | StoreError::Unavailable(db) => db.to_string(),
                other => other.to_string(),
            };
            tracing::warn!(error = %message, count = batch.len(), "key lookup failed");
            for (_, reply) in batch {
                let cause = DatabaseError::Custom(message.clone());
                let _ = reply.send(Err(if unavailable {
                    StoreError::Unavailable(cause)
                } else {
                    StoreError::Database(cause)
                }));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use llavero_types::Role;
    use uuid::Uuid;

    const WAIT: Duration = Duration::from_secs(30);

    fn hash_of(i: u16) -> KeyHash {
        let mut hash = [0u8; 32];
        hash[..2].copy_from_slice(&i.to_be_bytes());
        KeyHash(hash)
    }

    /// A real SQLite store holding `count` keys of one user, hinted `k<i>`.
    async fn store_with_keys(count: u16) -> (Store, Uuid, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let store = Store::connect(
            &format!("sqlite://{}/t.db?mode=rwc", dir.path().display()),
            4,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        store.migrate().await.unwrap_or_else(|e| panic!("{e}"));
        let tx = store.begin().await.unwrap_or_else(|e| panic!("{e}"));
        let user = tx
            .user_insert("ana", "x".into(), Role::User)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .user;
        tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
        let keys: Vec<_> = (0..count).map(|i| (format!("k{i}"), hash_of(i))).collect();
        store
            .api_key_insert_many(user.id, "k", &keys)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        (store, user.id, dir)
    }

    #[tokio::test]
    async fn concurrent_misses_each_get_their_own_answer() {
        let (store, _, _dir) = store_with_keys(100).await;
        // One query at a time, so the 200 concurrent misses must share.
        let (lookups, _task) = Lookups::start(store, 1, CancellationToken::new());
        let asks = (0..200u16).map(|i| {
            let lookups = lookups.clone();
            tokio::spawn(async move { (i, lookups.get(hash_of(i), WAIT).await) })
        });
        for ask in asks {
            let (i, answer) = ask.await.unwrap_or_else(|e| panic!("{e}"));
            let found = answer.unwrap_or_else(|e| panic!("{e}"));
            let hint = found.map(|f| f.key.hint.clone());
            let expected = (i < 100).then(|| format!("k{i}"));
            assert_eq!(hint, expected, "digest {i}");
        }
    }

    #[tokio::test]
    async fn a_lookup_after_a_revocation_sees_it_even_under_load() {
        let (store, user_id, _dir) = store_with_keys(20).await;
        let (lookups, _task) = Lookups::start(store.clone(), 1, CancellationToken::new());
        // Keep batches in flight the whole time with misses for unknown keys.
        let flood: Vec<_> = (0..4u16)
            .map(|n| {
                let lookups = lookups.clone();
                tokio::spawn(async move {
                    for i in 0..200u16 {
                        let _ = lookups.get(hash_of(1000 + n * 200 + i), WAIT).await;
                    }
                })
            })
            .collect();
        for i in 0..20 {
            let hash = hash_of(i);
            let before = lookups
                .get(hash, WAIT)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let before = before.unwrap_or_else(|| panic!("key {i} not found"));
            assert!(!before.revoked, "key {i} before");
            let tx = store.begin().await.unwrap_or_else(|e| panic!("{e}"));
            tx.api_key_lock(user_id, before.key.id)
                .await
                .unwrap_or_else(|e| panic!("{e}"))
                .unwrap_or_else(|| panic!("key {i} was not live"));
            tx.api_key_set_revoked(before.key.id)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
            let after = lookups
                .get(hash, WAIT)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(
                after.is_some_and(|f| f.revoked),
                "key {i} still live after revocation"
            );
        }
        for task in flood {
            task.await.unwrap_or_else(|e| panic!("{e}"));
        }
    }
}
