//! Scratch databases for the store's own unit tests: a migrated SQLite file
//! or a migrated PostgreSQL database of its own (dropped afterwards), and
//! a user holding many keys, and SQLite's plan of a statement, for the
//! tests that read query plans.

use llavero_domain::KeyHash;
use llavero_types::Role;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement, Value};
use uuid::Uuid;

use crate::Store;

/// A migrated database that lives as long as the test needs it.
pub(crate) struct Scratch {
    pub store: Store,
    /// PostgreSQL: the server's admin connection and the database's name.
    postgres: Option<(DatabaseConnection, String)>,
    _dir: Option<tempfile::TempDir>,
}

/// A migrated SQLite file in a temporary folder.
pub(crate) async fn sqlite() -> Scratch {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let url = format!("sqlite://{}/t.db?mode=rwc", dir.path().display());
    let store = Store::connect(&url, 1)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    store.migrate().await.unwrap_or_else(|e| panic!("{e}"));
    Scratch {
        store,
        postgres: None,
        _dir: Some(dir),
    }
}

/// A migrated PostgreSQL database of its own (`LLAVERO_TEST_POSTGRES_URL`,
/// else the local server): a test fails when it is unreachable.
pub(crate) async fn postgres() -> Scratch {
    let admin = std::env::var("LLAVERO_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let name = format!("llavero_unit_{}", Uuid::new_v4().simple());
    let db = Database::connect(&admin)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL is required and unreachable at {admin}: {e}"));
    db.execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
    let store = Store::connect(&format!("{base}/{name}"), 2)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    store.migrate().await.unwrap_or_else(|e| panic!("{e}"));
    Scratch {
        store,
        postgres: Some((db, name)),
        _dir: None,
    }
}

impl Scratch {
    /// Closes the store and drops a PostgreSQL database.
    pub(crate) async fn finish(self) {
        let _ = self.store.close().await;
        if let Some((db, name)) = self.postgres {
            let _ = db
                .execute_unprepared(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
                .await;
        }
    }
}

/// A user `ana` with `count` keys without limits (digests 0, 1, …), then
/// `ANALYZE`, so query plans see the statistics a real database gathers.
pub(crate) async fn owner_with_keys(store: &Store, count: u32) -> Uuid {
    let tx = store.begin().await.unwrap_or_else(|e| panic!("{e}"));
    let owner = tx
        .user_insert("ana", "x".into(), Role::User)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
    let keys: Vec<(String, KeyHash)> = (0..count)
        .map(|i| {
            let mut hash = [0u8; 32];
            hash[..4].copy_from_slice(&i.to_be_bytes());
            ("mco_…0000".to_owned(), KeyHash(hash))
        })
        .collect();
    store
        .api_key_insert_many(owner.user.id, "k", &keys)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    store
        .db
        .execute_unprepared("ANALYZE")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    owner.user.id
}

/// The lines of SQLite's `EXPLAIN QUERY PLAN` for `sql` with `values`.
pub(crate) async fn sqlite_plan(store: &Store, sql: &str, values: Vec<Value>) -> Vec<String> {
    store
        .db
        .query_all(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            format!("EXPLAIN QUERY PLAN {sql}"),
            values,
        ))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .iter()
        .filter_map(|r| r.try_get::<String>("", "detail").ok())
        .collect()
}
