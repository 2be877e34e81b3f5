//! Cross-replica cache invalidation over PostgreSQL LISTEN/NOTIFY.
//!
//! A replica that revokes a key, or changes or disables a user, notifies
//! [`CHANNEL`]; every replica (itself included) listens and drops what it
//! cached about that key or user. SQLite has no such channel: the embedded
//! mode is one process, which invalidates its own cache directly.

use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::{Backend, Store, StoreError, Tx};

/// The channel invalidations travel on.
pub const CHANNEL: &str = "llavero_invalidate";

/// A connection listening on [`CHANNEL`].
pub struct InvalidationListener(PgListener);

impl std::fmt::Debug for InvalidationListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InvalidationListener")
    }
}

impl InvalidationListener {
    /// The next notification's payload; an error means the connection was
    /// lost and notifications may have been missed.
    pub async fn recv(&mut self) -> Result<String, StoreError> {
        let n = self.0.recv().await.map_err(|e| {
            StoreError::Database(sea_orm::DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e)))
        })?;
        Ok(n.payload().to_owned())
    }
}

impl Store {
    /// A listener on the invalidation channel; `None` on SQLite.
    pub async fn invalidation_listener(&self) -> Result<Option<InvalidationListener>, StoreError> {
        if self.backend() != Backend::Postgres {
            return Ok(None);
        }
        let conv =
            |e| StoreError::Database(sea_orm::DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e)));
        let mut listener = PgListener::connect_with(self.db.get_postgres_connection_pool())
            .await
            .map_err(conv)?;
        listener.listen(CHANNEL).await.map_err(conv)?;
        Ok(Some(InvalidationListener(listener)))
    }
}

impl Tx {
    /// Tells every replica that `payload` changed, when (and only if) this
    /// transaction commits (PostgreSQL only; a no-op on SQLite).
    pub async fn notify_invalidation(&self, payload: &str) -> Result<(), StoreError> {
        if self.backend != Backend::Postgres {
            return Ok(());
        }
        self.txn
            .execute(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_notify($1, $2)",
                [CHANNEL.into(), payload.into()],
            ))
            .await?;
        Ok(())
    }
}
