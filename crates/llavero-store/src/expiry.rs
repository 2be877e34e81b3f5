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
    use crate::testing::{self, Scratch};
    use sea_orm::Statement;

    /// 2,000 keys without an expiry, analyzed: each of the sweep's two
    /// searches must go through `api_keys_expires_at` (without it, each was
    /// a scan of every key).
    async fn the_sweep_searches_its_index(scratch: Scratch) {
        testing::owner_with_keys(&scratch.store, 2000).await;
        let db = &scratch.store.db;
        let backend = db.get_database_backend();
        let explain = match backend {
            sea_orm::DbBackend::Postgres => "EXPLAIN",
            _ => "EXPLAIN QUERY PLAN",
        };
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
        }
        scratch.finish().await;
    }

    #[tokio::test]
    async fn the_sweep_searches_its_index_on_sqlite() {
        the_sweep_searches_its_index(testing::sqlite().await).await;
    }

    #[tokio::test]
    async fn the_sweep_searches_its_index_on_postgres() {
        the_sweep_searches_its_index(testing::postgres().await).await;
    }
}
