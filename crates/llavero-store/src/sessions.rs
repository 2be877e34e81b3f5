//! Queries on `sessions`: browser sign-ins, looked up by token digest.
//!
//! Sessions live in the database, not in process memory, so any replica can
//! serve any request and a logout or a disabled user ends a session everywhere.

use chrono::{DateTime, Utc};
use llavero_domain::TokenHash;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::entity::{session, user};
use crate::users::UserRecord;
use crate::{now, Store, StoreError, Tx};

impl Store {
    /// The unexpired session with digest `hash`, and its user.
    #[tracing::instrument(skip_all)]
    pub async fn session_find(
        &self,
        hash: &TokenHash,
    ) -> Result<Option<(Uuid, UserRecord)>, StoreError> {
        let row = session::Entity::find()
            .filter(session::Column::TokenHash.eq(hash.to_hex()))
            .filter(session::Column::ExpiresAt.gt(now()))
            .find_also_related(user::Entity)
            .one(&self.db)
            .await?;
        Ok(row.and_then(|(s, u)| Some((s.id, u?.into()))))
    }

    /// Deletes expired sessions; returns how many.
    pub async fn session_purge_expired(&self) -> Result<u64, StoreError> {
        let res = session::Entity::delete_many()
            .filter(session::Column::ExpiresAt.lte(now()))
            .exec(&self.db)
            .await?;
        Ok(res.rows_affected)
    }
}

impl Tx {
    /// Starts a session for `user_id` until `expires_at`.
    #[tracing::instrument(skip(self, hash))]
    pub async fn session_create(
        &self,
        user_id: Uuid,
        hash: &TokenHash,
        expires_at: DateTime<Utc>,
    ) -> Result<Uuid, StoreError> {
        let id = Uuid::now_v7();
        let am = session::ActiveModel {
            id: Set(id),
            user_id: Set(user_id),
            token_hash: Set(hash.to_hex()),
            created_at: Set(now()),
            expires_at: Set(expires_at),
        };
        session::Entity::insert(am)
            .exec_without_returning(&self.txn)
            .await?;
        Ok(id)
    }

    /// Ends the session with digest `hash`: its id and user, or `None` if
    /// there was no such live session.
    #[tracing::instrument(skip_all)]
    pub async fn session_delete(
        &self,
        hash: &TokenHash,
    ) -> Result<Option<(Uuid, llavero_types::User)>, StoreError> {
        let row = session::Entity::find()
            .filter(session::Column::TokenHash.eq(hash.to_hex()))
            .find_also_related(user::Entity)
            .one(&self.txn)
            .await?;
        let Some((session, Some(owner))) = row else {
            return Ok(None);
        };
        session::Entity::delete_by_id(session.id)
            .exec(&self.txn)
            .await?;
        Ok(Some((session.id, UserRecord::from(owner).user)))
    }

    /// Ends every session of `user_id` (password change, disabling).
    #[tracing::instrument(skip(self))]
    pub async fn session_delete_for_user(&self, user_id: Uuid) -> Result<u64, StoreError> {
        let res = session::Entity::delete_many()
            .filter(session::Column::UserId.eq(user_id))
            .exec(&self.txn)
            .await?;
        Ok(res.rows_affected)
    }
}
