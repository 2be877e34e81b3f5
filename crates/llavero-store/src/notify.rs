//! Cross-replica cache invalidation over PostgreSQL LISTEN/NOTIFY.
//!
//! A replica that revokes a key, or changes or disables a user, notifies
//! [`CHANNEL`]; every replica (itself included) listens and drops what it
//! cached about that key or user. SQLite has no such channel: the embedded
//! mode is one process, which invalidates its own cache directly.
//!
//! A listening connection can die silently (a partition drops packets and
//! no error ever arrives), so the channel also carries heartbeats
//! ([`Store::heartbeat`]): a listener proves it is live by hearing its own.
//! Each listener has a connection of its own, outside the pool, named
//! `llavero-listener` in `pg_stat_activity`; a lost one is never reconnected
//! behind the caller's back (sqlx's `recv` would, dropping whatever was
//! missed): [`InvalidationListener::next`] says so, and the caller builds a
//! new one.

use std::time::Duration;

use sea_orm::sqlx::postgres::{PgListener, PgPoolOptions};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::{Backend, Store, StoreError, Tx};

/// The channel invalidations travel on.
pub const CHANNEL: &str = "llavero_invalidate";

/// The `application_name` of listening connections.
pub const LISTENER_NAME: &str = "llavero-listener";

/// How long connecting a listener may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// A connection listening on [`CHANNEL`].
pub struct InvalidationListener(PgListener);

impl std::fmt::Debug for InvalidationListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InvalidationListener")
    }
}

fn conn_error(e: sea_orm::sqlx::Error) -> StoreError {
    StoreError::from(sea_orm::DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e)))
}

impl InvalidationListener {
    /// The next notification's payload; `None` when the connection was lost
    /// (notifications may have been missed: drop this listener).
    pub async fn next(&mut self) -> Result<Option<String>, StoreError> {
        let n = self.0.try_recv().await.map_err(conn_error)?;
        Ok(n.map(|n| n.payload().to_owned()))
    }
}

impl Store {
    /// A new listener on the invalidation channel; `None` on SQLite.
    pub async fn invalidation_listener(&self) -> Result<Option<InvalidationListener>, StoreError> {
        let Some(options) = &self.listener_options else {
            return Ok(None);
        };
        // A pool of one, used by this listener alone: when the listener is
        // dropped, so is its connection (never handed to another caller).
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .min_connections(0)
            .acquire_timeout(CONNECT_TIMEOUT)
            .connect_with(options.0.clone().application_name(LISTENER_NAME))
            .await
            .map_err(conn_error)?;
        let mut listener = PgListener::connect_with(&pool).await.map_err(conn_error)?;
        listener.eager_reconnect(false);
        listener.listen(CHANNEL).await.map_err(conn_error)?;
        Ok(Some(InvalidationListener(listener)))
    }

    /// Sends `payload` on the invalidation channel now (a heartbeat, which
    /// listeners recognise by its form).
    pub async fn heartbeat(&self, payload: &str) -> Result<(), StoreError> {
        if self.backend() != Backend::Postgres {
            return Ok(());
        }
        self.db.execute(notify(payload)).await?;
        Ok(())
    }
}

/// `pg_notify` of `payload` on [`CHANNEL`].
fn notify(payload: &str) -> Statement {
    Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT pg_notify($1, $2)",
        [CHANNEL.into(), payload.into()],
    )
}

impl Tx {
    /// Tells every replica that `payload` changed, when (and only if) this
    /// transaction commits (PostgreSQL only; a no-op on SQLite).
    pub async fn notify_invalidation(&self, payload: &str) -> Result<(), StoreError> {
        if self.backend != Backend::Postgres {
            return Ok(());
        }
        self.txn.execute(notify(payload)).await?;
        Ok(())
    }
}
