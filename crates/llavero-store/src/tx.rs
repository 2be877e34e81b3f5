//! [`Tx`]: one database transaction, for a state change and everything that
//! must happen with it (its activity event, its webhook outbox event, its
//! cache-invalidation notice).
//!
//! Every write that a use case makes goes through a `Tx`; the table modules
//! add their write methods to it. Dropping a `Tx` without [`Tx::commit`]
//! rolls it back, so an error anywhere (or a crash) leaves nothing half-done.
//!
//! On SQLite, `begin` takes the database's write lock at once (as
//! `BEGIN IMMEDIATE` would): a deferred transaction that read first could
//! not upgrade to a writer after another connection committed
//! (`SQLITE_BUSY_SNAPSHOT`, which no busy timeout waits out). Writers then
//! queue on the lock, so a read-check-write inside a `Tx` is atomic. On
//! PostgreSQL the same guarantees come from row locks (`FOR UPDATE`) taken by
//! the methods that check before they write.

use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, Statement, TransactionTrait};

use crate::{Backend, Store, StoreError};

/// An open transaction: commit it, or drop it to roll back.
#[derive(Debug)]
pub struct Tx {
    pub(crate) txn: DatabaseTransaction,
    pub(crate) backend: Backend,
    /// Set when this transaction added webhook deliveries.
    pub(crate) emitted: std::sync::atomic::AtomicBool,
    pub(crate) outbox: std::sync::Arc<tokio::sync::Notify>,
}

impl Store {
    /// Opens a write transaction.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        let txn = self.db.begin().await?;
        let backend = self.backend();
        if backend == Backend::Sqlite {
            // A write statement takes the write lock before it reads
            // anything, even when it matches no row.
            txn.execute(Statement::from_string(
                DbBackend::Sqlite,
                "UPDATE users SET id = id WHERE 0 = 1",
            ))
            .await?;
        }
        Ok(Tx {
            txn,
            backend,
            emitted: Default::default(),
            outbox: self.outbox.clone(),
        })
    }
}

impl Tx {
    /// Makes every change of this transaction durable and visible at once
    /// (and, on PostgreSQL, delivers its notifications).
    pub async fn commit(self) -> Result<(), StoreError> {
        self.txn.commit().await?;
        if self.emitted.load(std::sync::atomic::Ordering::Relaxed) {
            self.outbox.notify_one();
        }
        Ok(())
    }
}
