//! Queries on `sessions`: browser sign-ins, looked up by token digest.
//!
//! Sessions live in the database, not in process memory, so any replica can
//! serve any request and a logout or a disabled user ends a session everywhere.

use chrono::{DateTime, Duration, Utc};
use llavero_domain::TokenHash;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::entity::{session, user};
use crate::users::{UserRecord, UserRow};
use crate::{now, Store, StoreError, Tx};

impl Store {
    /// The live session with digest `hash` (not past its absolute end,
    /// and seen within `idle`), and its user.
    #[tracing::instrument(skip_all)]
    pub async fn session_find(
        &self,
        hash: &TokenHash,
        idle: Duration,
    ) -> Result<Option<(LiveSession, UserRecord)>, StoreError> {
        let now = now();
        let row = session::Entity::find()
            .filter(session::Column::TokenHash.eq(hash.to_hex()))
            .filter(session::Column::ExpiresAt.gt(now))
            .find_also_related(user::Entity)
            .one(&self.db)
            .await?;
        let Some((s, Some(u))) = row else {
            return Ok(None);
        };
        let last_seen = s.last_seen_at.unwrap_or(s.created_at);
        if last_seen <= now - idle {
            return Ok(None);
        }
        Ok(Some((
            LiveSession {
                id: s.id,
                last_seen,
            },
            u.into(),
        )))
    }

    /// Records that session `id` was just used (for the idle timeout).
    #[tracing::instrument(skip(self))]
    pub async fn session_touch(&self, id: Uuid) -> Result<(), StoreError> {
        session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(now()))
            .filter(session::Column::Id.eq(id))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Deletes sessions past their absolute end or idle for `idle`;
    /// returns how many.
    pub async fn session_purge_expired(&self, idle: Duration) -> Result<u64, StoreError> {
        let now = now();
        let idle_since = now - idle;
        let res = session::Entity::delete_many()
            .filter(
                Condition::any()
                    .add(session::Column::ExpiresAt.lte(now))
                    .add(session::Column::LastSeenAt.lte(idle_since))
                    .add(
                        Condition::all()
                            .add(session::Column::LastSeenAt.is_null())
                            .add(session::Column::CreatedAt.lte(idle_since)),
                    ),
            )
            .exec(&self.db)
            .await?;
        Ok(res.rows_affected)
    }
}

/// A session that may still be used.
#[derive(Debug, Clone, Copy)]
pub struct LiveSession {
    pub id: Uuid,
    /// When it was last seen (at most a minute off), or created.
    pub last_seen: DateTime<Utc>,
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
            last_seen_at: Set(Some(now())),
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
    ) -> Result<Option<(Uuid, UserRow)>, StoreError> {
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

    /// Ends every session of `user_id` but `keep` (password change,
    /// disabling, signing out everywhere); returns how many ended.
    #[tracing::instrument(skip(self))]
    pub async fn session_delete_for_user(
        &self,
        user_id: Uuid,
        keep: Option<Uuid>,
    ) -> Result<u64, StoreError> {
        let mut delete = session::Entity::delete_many().filter(session::Column::UserId.eq(user_id));
        if let Some(keep) = keep {
            delete = delete.filter(session::Column::Id.ne(keep));
        }
        let res = delete.exec(&self.txn).await?;
        Ok(res.rows_affected)
    }
}
