//! Facts about the installation itself (`instance`, one row each).
//!
//! The pepper's check value: an HMAC of a fixed text under the pepper,
//! written on the first start and compared on every later one. It says
//! nothing about the pepper (as a key's digest says nothing about the
//! key), but tells a replica started with another pepper that it would
//! refuse every key — before it listens.

use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

use crate::{Backend, Store, StoreError};

const PEPPER_CHECK: &str = "pepper_check";

fn statement(backend: Backend, sqlite: &str, postgres: &str, values: Vec<Value>) -> Statement {
    match backend {
        Backend::Sqlite => Statement::from_sql_and_values(DbBackend::Sqlite, sqlite, values),
        Backend::Postgres => Statement::from_sql_and_values(DbBackend::Postgres, postgres, values),
    }
}

impl Store {
    /// Writes a consistent copy of the embedded database to `path` while
    /// it serves (SQLite's `VACUUM INTO`: one read transaction, so the copy
    /// is the database as of one moment, writers going on meanwhile). `None`
    /// on PostgreSQL, which has its own tools (`pg_dump`).
    pub async fn backup_into(&self, path: &std::path::Path) -> Result<Option<()>, StoreError> {
        if self.backend() != Backend::Sqlite {
            return Ok(None);
        }
        let target = path.to_string_lossy().replace('\'', "''");
        self.db
            .execute_unprepared(&format!("VACUUM INTO '{target}'"))
            .await?;
        Ok(Some(()))
    }

    /// The pepper check this database holds, writing `value` first if it
    /// holds none (the first start, or the first after an upgrade): every
    /// replica starting at once agrees on one.
    pub async fn pepper_check_claim(&self, value: &str) -> Result<String, StoreError> {
        let b = self.backend();
        self.db
            .execute(statement(
                b,
                "INSERT INTO instance (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                "INSERT INTO instance (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
                vec![PEPPER_CHECK.into(), value.into()],
            ))
            .await?;
        let row = self
            .db
            .query_one(statement(
                b,
                "SELECT value FROM instance WHERE name = ?",
                "SELECT value FROM instance WHERE name = $1",
                vec![PEPPER_CHECK.into()],
            ))
            .await?;
        Ok(match row {
            Some(row) => row.try_get("", "value")?,
            None => value.to_owned(),
        })
    }

    /// Replaces the pepper check (a deliberate pepper change).
    pub async fn pepper_check_replace(&self, value: &str) -> Result<(), StoreError> {
        let b = self.backend();
        self.db
            .execute(statement(
                b,
                "INSERT INTO instance (name, value) VALUES (?, ?) \
                 ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                "INSERT INTO instance (name, value) VALUES ($1, $2) \
                 ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                vec![PEPPER_CHECK.into(), value.into()],
            ))
            .await?;
        Ok(())
    }
}
