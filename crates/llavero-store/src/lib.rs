//! Llavero's storage layer: every query the service makes lives here.
//!
//! [`Store`] wraps a sea-orm connection pool to SQLite (the embedded default)
//! or PostgreSQL (production). One module per table (`users`, `api_keys`,
//! `sessions`, `activity`, `throttle`; `usage` for a key's per-day counts and
//! addresses; `webhooks` for endpoints and the outbox, `webhook_deliveries`
//! for sending them) holds that table's queries; `entity` and
//! `migration` hold the schema. Errors come back as [`StoreError`], which
//! says *what* went wrong (not found, conflict, database failure) and leaves
//! HTTP status codes to the server.
//!
//! Secrets never reach this layer: it sees HMAC digests and argon2 hashes.
//!
//! # Its own records, not the wire's
//!
//! Queries return the store's own records, defined beside the queries that
//! make them: [`users::UserRow`], [`users::UserRecord`],
//! [`users::UserSummaryRow`], [`api_keys::ApiKeyRow`],
//! [`api_keys::KeyLookup`], [`activity::ActivityRow`] (with
//! [`activity::UserRef`], [`activity::KeyLabel`]),
//! [`usage::KeyUsageRecord`], [`webhooks::EndpointRecord`],
//! [`webhook_deliveries::DeliveryRecord`], … They hold what is stored;
//! `llavero-app` turns them into the JSON shapes of `llavero-types` (its
//! `wire` module), so a new wire field never touches a query, and a new
//! column need not show on the wire.
//!
//! From `llavero-types` the store uses only four enums, because they are
//! the values of columns and the wire spells them the same way (one
//! `as_str`/`from_name` pair, not a copy here to keep in step):
//!
//! - `Role` — `users.role`;
//! - `ActivityAction` — `activity.action`;
//! - `WebhookEventType` — `webhook_events.event_type` and the types an
//!   endpoint subscribes to (`webhook_endpoints.events`);
//! - `DeliveryStatus` — `webhook_deliveries.status`.
//!
//! A test (`shared_types`) fails if any other name of `llavero-types` is
//! imported here outside tests.

pub mod activity;
pub mod api_keys;
mod columns;
pub mod entity;
pub mod expiry;
pub mod instance;
pub mod leaks;
pub mod migration;
pub mod notify;
pub mod sessions;
#[cfg(test)]
mod shared_types;
#[cfg(test)]
mod testing;
pub mod throttle;
pub mod tx;
pub mod unused_keys;
pub mod usage;
pub mod usage_write;
pub mod users;
pub mod webhook_deliveries;
pub mod webhooks;

pub use tx::Tx;

use std::str::FromStr;
use std::time::Duration;

use sea_orm::sqlx::postgres::PgConnectOptions;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};
use sea_orm_migration::MigratorTrait;

pub use sea_orm::DbErr as DatabaseError;

/// What a store call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write (e.g. a taken username).
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// The database cannot answer now (no connection, shutting down, busy):
    /// the same request may succeed later. Nothing was written.
    #[error("the database is unavailable")]
    Unavailable(#[source] DbErr),
    /// The database refused or failed the statement.
    #[error("database error")]
    Database(#[source] DbErr),
}

impl From<DbErr> for StoreError {
    fn from(e: DbErr) -> Self {
        if is_unavailable(&e) {
            StoreError::Unavailable(e)
        } else {
            StoreError::Database(e)
        }
    }
}

/// Whether `e` says the database could not be reached or cannot answer now,
/// rather than that a statement was wrong.
fn is_unavailable(e: &DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    use sea_orm::RuntimeErr;
    let sqlx = match e {
        DbErr::ConnectionAcquire(_) => return true,
        DbErr::Conn(RuntimeErr::SqlxError(s))
        | DbErr::Exec(RuntimeErr::SqlxError(s))
        | DbErr::Query(RuntimeErr::SqlxError(s)) => s,
        DbErr::Conn(_) => return true,
        _ => return false,
    };
    match sqlx {
        Sqlx::Io(_)
        | Sqlx::Tls(_)
        | Sqlx::PoolTimedOut
        | Sqlx::PoolClosed
        | Sqlx::WorkerCrashed
        | Sqlx::Protocol(_) => true,
        Sqlx::Database(db) => {
            let code = db.code().unwrap_or_default();
            // PostgreSQL: class 08 (connection exception), 57P01-57P03
            // (shutting down, crash recovery, cannot connect now), 53300
            // (too many connections), 40001 / 40P01 (serialization failure,
            // deadlock: the same request succeeds when retried). SQLite
            // reports extended codes whose low byte is the primary one:
            // 5 (busy), 6 (locked).
            if db
                .try_downcast_ref::<sea_orm::sqlx::sqlite::SqliteError>()
                .is_some()
            {
                let primary = code.parse::<u32>().ok().map(|c| c & 0xff);
                matches!(primary, Some(5 | 6))
            } else {
                code.starts_with("08")
                    || matches!(
                        &*code,
                        "57P01" | "57P02" | "57P03" | "53300" | "40001" | "40P01"
                    )
            }
        }
        _ => false,
    }
}

/// Which database a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A page request: at most `limit` rows older than `after` (an id).
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub limit: u64,
    pub after: Option<uuid::Uuid>,
}

/// One page of rows and the cursor of the next, if there is one.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<uuid::Uuid>,
}

impl<T> Page<T> {
    /// Builds a page from `limit + 1` fetched rows: the extra row only says
    /// that another page exists.
    fn from_rows(mut rows: Vec<T>, limit: u64, id: impl Fn(&T) -> uuid::Uuid) -> Self {
        let more = rows.len() as u64 > limit;
        rows.truncate(limit as usize);
        let next = if more { rows.last().map(id) } else { None };
        Page { items: rows, next }
    }
}

/// The connection pool and the entry point to every query.
#[derive(Debug, Clone)]
pub struct Store {
    db: DatabaseConnection,
    /// On PostgreSQL, how to open a listening connection of its own.
    listener_options: Option<ListenerOptions>,
    /// Woken when a commit added webhook deliveries (this process's
    /// dispatcher sends them at once; other replicas poll).
    outbox: std::sync::Arc<tokio::sync::Notify>,
    /// What the store was opened with, for [`Store::own_pool`].
    url: Url,
}

/// A database URL; `Debug` hides it (it may hold a password).
#[derive(Clone)]
struct Url(std::sync::Arc<str>);

impl std::fmt::Debug for Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Url([redacted])")
    }
}

/// PostgreSQL connection options; `Debug` hides them (they hold the password).
#[derive(Clone)]
struct ListenerOptions(PgConnectOptions);

impl std::fmt::Debug for ListenerOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ListenerOptions([redacted])")
    }
}

/// How long a PostgreSQL query waits for a pooled connection. Short: when
/// the database is unreachable, sqlx keeps retrying to connect until this
/// runs out, and an outage must be answered (503) within a second. SQLite
/// is a local file (no outage to wait out) whose writers queue on its lock
/// holding connections, so it keeps a longer wait.
pub const PG_ACQUIRE_TIMEOUT: Duration = Duration::from_millis(750);
const SQLITE_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

impl Store {
    /// Connects to `url` (`sqlite://…?mode=rwc` or `postgres://…`).
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        let postgres = url.starts_with("postgres:") || url.starts_with("postgresql:");
        let listener_options = if postgres {
            let parsed = PgConnectOptions::from_str(url).map_err(|e| {
                StoreError::Database(DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e)))
            })?;
            Some(ListenerOptions(parsed))
        } else {
            None
        };
        let mut opts = ConnectOptions::new(url.to_owned());
        opts.max_connections(max_connections)
            .min_connections(1)
            .connect_timeout(Duration::from_secs(5))
            .acquire_timeout(if postgres {
                PG_ACQUIRE_TIMEOUT
            } else {
                SQLITE_ACQUIRE_TIMEOUT
            })
            // sqlx pings every connection on checkout by default: one more
            // round trip per query. A broken connection still surfaces as a
            // query error (503 on /readyz) and is replaced by the pool.
            .test_before_acquire(false)
            // sqlx logs statements at info; ours are traced on store calls.
            .sqlx_logging(false)
            // WAL lets readers run beside the one writer; NORMAL sync is
            // durable across application crashes, the usual WAL pairing.
            // Set on every pooled connection (`synchronous` is per
            // connection), not just the first.
            .map_sqlx_sqlite_opts(|o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
            })
            // sqlx offers no client-side TCP keepalive; ask the server to
            // probe instead, so it drops the connections of a replica that
            // vanished (the listener's own liveness is its heartbeat).
            .map_sqlx_postgres_opts(|o| {
                o.options([
                    ("tcp_keepalives_idle", "10"),
                    ("tcp_keepalives_interval", "5"),
                    ("tcp_keepalives_count", "3"),
                ])
            });
        let db = Database::connect(opts).await?;
        Ok(Store {
            db,
            listener_options,
            outbox: Default::default(),
            url: Url(url.into()),
        })
    }

    /// On PostgreSQL, this store over a pool of `max_connections` of its
    /// own, opened on the calling runtime, for a task that runs on a
    /// runtime of its own: a connection's socket is driven by the runtime
    /// that opened it, so a task that borrowed a connection another
    /// runtime opened waits whenever that runtime is busy. `None` on
    /// SQLite, whose connections sqlx runs each on a thread of its own: the
    /// shared pool serves any runtime. Webhook wake-ups are shared.
    pub async fn own_pool(&self, max_connections: u32) -> Result<Option<Store>, StoreError> {
        if self.backend() == Backend::Sqlite {
            return Ok(None);
        }
        let own = Store::connect(&self.url.0, max_connections).await?;
        Ok(Some(Store {
            outbox: self.outbox.clone(),
            ..own
        }))
    }

    /// Applies pending migrations.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        migration::Migrator::up(&self.db, None).await?;
        Ok(())
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        match self.db.get_database_backend() {
            DbBackend::Postgres => Backend::Postgres,
            _ => Backend::Sqlite,
        }
    }

    /// Refreshes the planner's statistics and, on PostgreSQL, vacuums, after
    /// a bulk load. Autovacuum does both in normal operation — but after a
    /// million-row insert it would do them *during* whatever runs next (a
    /// benchmark), so the loader does them itself.
    pub async fn refresh_statistics(&self) -> Result<(), StoreError> {
        let sql = match self.backend() {
            Backend::Postgres => "VACUUM (ANALYZE)",
            Backend::Sqlite => "ANALYZE",
        };
        self.db.execute_unprepared(sql).await?;
        Ok(())
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.db.ping().await?;
        Ok(())
    }

    /// The connection pool's `(size, idle)`, for metrics.
    pub fn pool_stats(&self) -> Option<(u32, u32)> {
        let idle = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        // Each getter panics on the other backend: dispatch on the backend first.
        match self.backend() {
            Backend::Postgres => {
                let pool = self.db.get_postgres_connection_pool();
                Some((pool.size(), idle(pool.num_idle())))
            }
            Backend::Sqlite => {
                let pool = self.db.get_sqlite_connection_pool();
                Some((pool.size(), idle(pool.num_idle())))
            }
        }
    }

    /// Closes the pool, waiting for checked-out connections.
    pub async fn close(self) -> Result<(), StoreError> {
        self.db.close().await?;
        Ok(())
    }
}

/// Maps a unique-constraint violation to [`StoreError::Conflict`].
fn conflict_or(err: DbErr, what: &'static str) -> StoreError {
    match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => StoreError::Conflict(what),
        _ => StoreError::Database(err),
    }
}

/// The current time, truncated to microseconds so that what is written and
/// what is read back compare equal on both databases.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    let t = chrono::Utc::now();
    let micros = t.timestamp_micros();
    chrono::DateTime::from_timestamp_micros(micros).unwrap_or(t)
}
