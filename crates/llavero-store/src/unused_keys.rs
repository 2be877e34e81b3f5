//! Finding and revoking keys left unused (the optional policy
//! `LLAVERO_REVOKE_UNUSED_AFTER_DAYS`).
//!
//! The revoking `UPDATE` repeats the conditions it selected on, so when two
//! replicas sweep at once each key is revoked — and reported — by exactly
//! one of them: PostgreSQL re-checks `revoked_at IS NULL` on a row another
//! transaction just changed, and SQLite has one writer at a time.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Condition, Expr, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait};
use uuid::Uuid;

use crate::activity::UserRef;
use crate::entity::{api_key, user};
use crate::{now, StoreError, Tx};

/// A key the policy revoked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedUnused {
    pub id: Uuid,
    pub name: String,
    pub owner: UserRef,
}

/// Live keys last used (or, never used, created) at or before `cutoff`.
fn unused_since(cutoff: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(api_key::Column::RevokedAt.is_null())
        .add(
            Condition::any()
                .add(api_key::Column::LastUsedAt.lte(cutoff))
                .add(
                    Condition::all()
                        .add(api_key::Column::LastUsedAt.is_null())
                        .add(api_key::Column::CreatedAt.lte(cutoff)),
                ),
        )
}

impl Tx {
    /// Revokes up to `limit` keys unused since `cutoff`; returns them.
    #[tracing::instrument(skip(self))]
    pub async fn api_key_revoke_unused(
        &self,
        cutoff: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<RevokedUnused>, StoreError> {
        let ids: Vec<Uuid> = api_key::Entity::find()
            .select_only()
            .column(api_key::Column::Id)
            .filter(unused_since(cutoff))
            .limit(limit)
            .into_tuple()
            .all(&self.txn)
            .await?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        // RETURNING written out: sea-orm's `exec_with_returning` is off for
        // SQLite unless built for SQLite ≥ 3.35, which the bundled one is.
        let mut update = api_key::Entity::update_many()
            .col_expr(api_key::Column::RevokedAt, Expr::value(now()))
            .filter(api_key::Column::Id.is_in(ids))
            .filter(unused_since(cutoff))
            .into_query();
        update.returning(Query::returning().columns([
            api_key::Column::Id,
            api_key::Column::UserId,
            api_key::Column::Name,
        ]));
        let backend = self.txn.get_database_backend();
        let mut revoked = Vec::new();
        for row in self.txn.query_all(backend.build(&update)).await? {
            let id: Uuid = row.try_get("", "id")?;
            let user_id: Uuid = row.try_get("", "user_id")?;
            let name: String = row.try_get("", "name")?;
            revoked.push((id, user_id, name));
        }
        let owners: Vec<Uuid> = revoked.iter().map(|k| k.1).collect();
        let names: std::collections::HashMap<Uuid, String> = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .column(user::Column::Username)
            .filter(user::Column::Id.is_in(owners))
            .into_tuple::<(Uuid, String)>()
            .all(&self.txn)
            .await?
            .into_iter()
            .collect();
        Ok(revoked
            .into_iter()
            .map(|(id, user_id, name)| RevokedUnused {
                owner: UserRef {
                    id: user_id,
                    username: names.get(&user_id).cloned().unwrap_or_default(),
                },
                id,
                name,
            })
            .collect())
    }
}
