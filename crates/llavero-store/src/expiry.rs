//! Expiry notices: which keys are due a `key.expiring` (7 days before) or
//! a `key.expired` event, each sent once (`api_keys.expiry_notice`).
//!
//! The marking `UPDATE` repeats its condition, so when two replicas sweep
//! at once each notice is taken by exactly one of them (PostgreSQL
//! re-checks a row another transaction just changed; SQLite has one
//! writer).

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Condition, Expr, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait};
use uuid::Uuid;

use crate::entity::api_key;
use crate::{StoreError, Tx};

/// A key whose expiry notice was just taken.
#[derive(Debug, Clone)]
pub struct ExpiryNotice {
    pub id: Uuid,
    pub user_id: Uuid,
    pub expires_at: DateTime<Utc>,
    /// `key.expired` (else `key.expiring`).
    pub expired: bool,
}

/// The two conditions of a due notice, each with the mark that takes it:
/// expired by `at` (2), and expiring within `warn_before` (1).
fn due(at: DateTime<Utc>, warn_before: Duration) -> [(Condition, i16); 2] {
    use api_key::Column as C;
    let expired = Condition::all()
        .add(C::RevokedAt.is_null())
        .add(C::ExpiresAt.lte(at))
        .add(C::ExpiryNotice.lt(2));
    let expiring = Condition::all()
        .add(C::RevokedAt.is_null())
        .add(C::ExpiresAt.gt(at))
        .add(C::ExpiresAt.lte(at + warn_before))
        .add(C::ExpiryNotice.eq(0));
    [(expired, 2), (expiring, 1)]
}

/// The ids of up to `limit` keys meeting `condition`: a search of the
/// partial index `api_keys_expires_at` (only keys with an expiry), never a
/// scan of every key (migration `m20261206_000008`).
fn due_ids(condition: Condition, limit: u64) -> sea_orm::Select<api_key::Entity> {
    api_key::Entity::find()
        .select_only()
        .column(api_key::Column::Id)
        .filter(condition)
        .limit(limit)
}

impl Tx {
    /// Takes up to `limit` notices due at `at`: keys expired by then, and
    /// keys expiring within `warn_before`.
    #[tracing::instrument(skip(self))]
    pub async fn api_key_take_expiry_notices(
        &self,
        at: DateTime<Utc>,
        warn_before: Duration,
        limit: u64,
    ) -> Result<Vec<ExpiryNotice>, StoreError> {
        use api_key::Column as C;
        let mut out = Vec::new();
        for (condition, mark) in due(at, warn_before) {
            let ids: Vec<Uuid> = due_ids(condition.clone(), limit)
                .into_tuple()
                .all(&self.txn)
                .await?;
            if ids.is_empty() {
                continue;
            }
            let mut update = api_key::Entity::update_many()
                .col_expr(C::ExpiryNotice, Expr::value(mark))
                .filter(C::Id.is_in(ids))
                .filter(condition)
                .into_query();
            update.returning(Query::returning().columns([C::Id, C::UserId, C::ExpiresAt]));
            let backend = self.txn.get_database_backend();
            for row in self.txn.query_all(backend.build(&update)).await? {
                out.push(ExpiryNotice {
                    id: row.try_get("", "id")?,
                    user_id: row.try_get("", "user_id")?,
                    expires_at: row.try_get("", "expires_at")?,
                    expired: mark == 2,
                });
            }
        }
        Ok(out)
    }

    /// A key's expiry changed: its notices are due again.
    #[tracing::instrument(skip(self))]
    pub async fn api_key_reset_expiry_notice(&self, id: Uuid) -> Result<(), StoreError> {
        api_key::Entity::update_many()
            .col_expr(api_key::Column::ExpiryNotice, Expr::value(0i16))
            .filter(api_key::Column::Id.eq(id))
            .exec(&self.txn)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;
    use llavero_domain::KeyHash;
    use llavero_types::Role;
    use sea_orm::{Database, Statement};

    /// 2,000 keys without an expiry, analyzed: each of the sweep's two
    /// searches must go through `api_keys_expires_at` (without it, each was
    /// a scan of every key).
    async fn the_sweep_searches_its_index(store: Store) -> Vec<String> {
        store.migrate().await.unwrap_or_else(|e| panic!("{e}"));
        let tx = store.begin().await.unwrap_or_else(|e| panic!("{e}"));
        let owner = tx
            .user_insert("ana", "x".into(), Role::User)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
        let keys: Vec<(String, KeyHash)> = (0..2000u32)
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
        let db = &store.db;
        db.execute_unprepared("ANALYZE")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let backend = db.get_database_backend();
        let explain = match backend {
            sea_orm::DbBackend::Postgres => "EXPLAIN",
            _ => "EXPLAIN QUERY PLAN",
        };
        let mut plans = Vec::new();
        for (condition, _) in due(crate::now(), Duration::days(7)) {
            let query = due_ids(condition, 100).build(backend);
            let rows = db
                .query_all(Statement::from_sql_and_values(
                    backend,
                    format!("{explain} {}", query.sql),
                    query.values.map(|v| v.0).unwrap_or_default(),
                ))
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let plan: Vec<String> = rows
                .iter()
                .filter_map(|r| {
                    r.try_get::<String>("", "detail")
                        .or_else(|_| r.try_get::<String>("", "QUERY PLAN"))
                        .ok()
                })
                .collect();
            assert!(
                plan.iter().any(|l| l.contains("api_keys_expires_at")),
                "{plan:#?}"
            );
            plans.extend(plan);
        }
        plans
    }

    #[tokio::test]
    async fn the_sweep_searches_its_index_on_sqlite() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let url = format!("sqlite://{}/t.db?mode=rwc", dir.path().display());
        let store = Store::connect(&url, 1)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        the_sweep_searches_its_index(store).await;
    }

    #[tokio::test]
    async fn the_sweep_searches_its_index_on_postgres() {
        let admin = std::env::var("LLAVERO_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let name = format!("llavero_expiry_{}", uuid::Uuid::new_v4().simple());
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
        the_sweep_searches_its_index(store.clone()).await;
        store
            .db
            .clone()
            .close()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        db.execute_unprepared(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
}
