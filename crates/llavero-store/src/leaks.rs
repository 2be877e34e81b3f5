//! What a leak report changes beyond a revocation: a leaked *previous*
//! secret (one a roll replaced, still in its grace period) stops at once,
//! while the key's current secret keeps working.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::entity::api_key;
use crate::{now, StoreError, Tx};

impl Tx {
    /// Ends the grace of key `id`'s previous secret now (lock the key
    /// first); false if it had already ended.
    #[tracing::instrument(skip(self))]
    pub async fn api_key_end_grace(&self, id: Uuid) -> Result<bool, StoreError> {
        let at = now();
        let ended = api_key::Entity::update_many()
            .col_expr(api_key::Column::PreviousValidUntil, Expr::value(Some(at)))
            .filter(api_key::Column::Id.eq(id))
            .filter(api_key::Column::PreviousValidUntil.gt(at))
            .exec(&self.txn)
            .await?;
        Ok(ended.rows_affected > 0)
    }
}
