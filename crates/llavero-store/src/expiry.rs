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
        let expired = Condition::all()
            .add(C::RevokedAt.is_null())
            .add(C::ExpiresAt.lte(at))
            .add(C::ExpiryNotice.lt(2));
        let expiring = Condition::all()
            .add(C::RevokedAt.is_null())
            .add(C::ExpiresAt.gt(at))
            .add(C::ExpiresAt.lte(at + warn_before))
            .add(C::ExpiryNotice.eq(0));
        let mut out = Vec::new();
        for (condition, mark) in [(expired, 2i16), (expiring, 1i16)] {
            let ids: Vec<Uuid> = api_key::Entity::find()
                .select_only()
                .column(C::Id)
                .filter(condition.clone())
                .limit(limit)
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
