//! Queries on `users`, and the records they return: [`UserRow`] (what
//! anyone may see of a user), [`UserRecord`] (that and the password hash,
//! for signing in) and [`UserSummaryRow`] (a list's row, with a count of
//! the user's working keys). They hold what is stored; the HTTP answers
//! are made from them in `llavero-app` (`wire`), so a new wire field never
//! touches a query here.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use llavero_types::Role;
use sea_orm::sea_query::LockType;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QueryResult, QuerySelect, Set,
};
use uuid::Uuid;

use crate::columns;
use crate::entity::{api_key, user};
use crate::{conflict_or, now, Backend, Page, PageRequest, Store, StoreError, Tx};

/// A user as stored, but the password hash and the identity at the
/// provider: what a key check, a session or a list needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    pub id: Uuid,
    pub username: String,
    pub role: Role,
    pub disabled: bool,
    /// Whether the user comes from the identity provider (has an
    /// `oidc_subject`).
    pub oidc: bool,
    pub created_at: DateTime<Utc>,
}

/// A user row as the application needs it to sign someone in: the row
/// plus the password hash (`None` for a user from the identity provider,
/// who has none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub user: UserRow,
    pub password_hash: Option<String>,
}

/// A row of the user list: the user and how many of their keys work now
/// (neither revoked nor expired).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSummaryRow {
    pub user: UserRow,
    pub active_keys: u64,
}

/// A user's identity at the OpenID provider: (issuer, `sub`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderIdentity {
    pub issuer: String,
    pub subject: String,
}

fn role_of(name: &str) -> Role {
    // Anything unknown gets the least privilege.
    if name == "admin" {
        Role::Admin
    } else {
        Role::User
    }
}

impl From<user::Model> for UserRecord {
    fn from(m: user::Model) -> Self {
        UserRecord {
            user: UserRow {
                id: m.id,
                role: role_of(&m.role),
                username: m.username,
                disabled: m.disabled,
                oidc: m.oidc_subject.is_some(),
                created_at: m.created_at,
            },
            password_hash: Some(m.password_hash).filter(|h| !h.is_empty()),
        }
    }
}

/// The owner's columns a key lookup reads, in the order [`owner_read`]
/// takes them (never the password hash).
macro_rules! owner_columns {
    () => {
        r#""users"."id", "users"."username", "users"."role", "users"."disabled", "users"."created_at", "users"."oidc_subject""#
    };
}
pub(crate) use owner_columns;

/// The user in [`owner_columns`] from position `at` of `row` on.
pub(crate) fn owner_read(row: &QueryResult, at: usize) -> Result<UserRow, DbErr> {
    Ok(UserRow {
        id: columns::get(row, at)?,
        username: columns::get(row, at + 1)?,
        role: role_of(&columns::get::<String>(row, at + 2)?),
        disabled: columns::get(row, at + 3)?,
        created_at: columns::get(row, at + 4)?,
        oidc: columns::get::<Option<String>>(row, at + 5)?.is_some(),
    })
}

/// What may change on a user; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    pub password_hash: Option<String>,
}

impl Store {
    #[tracing::instrument(skip(self))]
    pub async fn user_by_username(&self, username: &str) -> Result<Option<UserRecord>, StoreError> {
        let row = user::Entity::find()
            .filter(user::Column::Username.eq(username))
            .one(&self.db)
            .await?;
        Ok(row.map(Into::into))
    }

    #[tracing::instrument(skip(self))]
    pub async fn user_by_id(&self, id: Uuid) -> Result<Option<UserRecord>, StoreError> {
        Ok(user::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .map(Into::into))
    }

    /// How many users exist (0 means: bootstrap an admin).
    pub async fn user_count(&self) -> Result<u64, StoreError> {
        Ok(user::Entity::find().count(&self.db).await?)
    }

    /// Users, newest first, each with how many of their keys work now.
    #[tracing::instrument(skip(self))]
    pub async fn user_list(&self, page: PageRequest) -> Result<Page<UserSummaryRow>, StoreError> {
        let mut q = user::Entity::find().order_by_desc(user::Column::Id);
        if let Some(after) = page.after {
            q = q.filter(user::Column::Id.lt(after));
        }
        let rows = q.limit(page.limit + 1).all(&self.db).await?;
        let ids: Vec<Uuid> = rows.iter().map(|m| m.id).collect();
        // One grouped count for the page (the key table is indexed by user).
        let counts: HashMap<Uuid, i64> = if ids.is_empty() {
            HashMap::new()
        } else {
            api_key::Entity::find()
                .select_only()
                .column(api_key::Column::UserId)
                .column_as(api_key::Column::Id.count(), "n")
                .filter(api_key::Column::UserId.is_in(ids))
                .filter(api_key::Column::RevokedAt.is_null())
                .filter(
                    sea_orm::Condition::any()
                        .add(api_key::Column::ExpiresAt.is_null())
                        .add(api_key::Column::ExpiresAt.gt(now())),
                )
                .group_by(api_key::Column::UserId)
                .into_tuple::<(Uuid, i64)>()
                .all(&self.db)
                .await?
                .into_iter()
                .collect()
        };
        let users = rows
            .into_iter()
            .map(|m| {
                let user = UserRecord::from(m).user;
                UserSummaryRow {
                    active_keys: counts
                        .get(&user.id)
                        .map_or(0, |n| u64::try_from(*n).unwrap_or(0)),
                    user,
                }
            })
            .collect();
        Ok(Page::from_rows(users, page.limit, |u: &UserSummaryRow| {
            u.user.id
        }))
    }
}

impl Tx {
    /// Creates a local user.
    #[tracing::instrument(skip(self, password_hash))]
    pub async fn user_insert(
        &self,
        username: &str,
        password_hash: String,
        role: Role,
    ) -> Result<UserRecord, StoreError> {
        self.insert_user(username, password_hash, role, None).await
    }

    /// Creates a user from the identity provider (no password). A conflict
    /// means the username or the identity was taken meanwhile.
    #[tracing::instrument(skip(self))]
    pub async fn user_insert_from_provider(
        &self,
        username: &str,
        role: Role,
        identity: &ProviderIdentity,
    ) -> Result<UserRecord, StoreError> {
        self.insert_user(username, String::new(), role, Some(identity))
            .await
    }

    async fn insert_user(
        &self,
        username: &str,
        password_hash: String,
        role: Role,
        identity: Option<&ProviderIdentity>,
    ) -> Result<UserRecord, StoreError> {
        let t = now();
        let row = user::ActiveModel {
            id: Set(Uuid::now_v7()),
            username: Set(username.to_owned()),
            password_hash: Set(password_hash),
            role: Set(role.as_str().to_owned()),
            disabled: Set(false),
            created_at: Set(t),
            updated_at: Set(t),
            oidc_issuer: Set(identity.map(|i| i.issuer.clone())),
            oidc_subject: Set(identity.map(|i| i.subject.clone())),
        }
        .insert(&self.txn)
        .await
        .map_err(|e| conflict_or(e, "username is taken"))?;
        Ok(row.into())
    }

    /// The user with `identity`, locked like [`Tx::user_lock`].
    #[tracing::instrument(skip(self))]
    pub async fn user_lock_by_identity(
        &self,
        identity: &ProviderIdentity,
    ) -> Result<Option<UserRecord>, StoreError> {
        let mut q = user::Entity::find()
            .filter(user::Column::OidcIssuer.eq(identity.issuer.as_str()))
            .filter(user::Column::OidcSubject.eq(identity.subject.as_str()));
        if self.backend == Backend::Postgres {
            q = q.lock(LockType::NoKeyUpdate);
        }
        Ok(q.one(&self.txn).await?.map(Into::into))
    }

    /// Which of `names` are taken by some user.
    pub async fn usernames_taken(&self, names: &[String]) -> Result<Vec<String>, StoreError> {
        Ok(user::Entity::find()
            .select_only()
            .column(user::Column::Username)
            .filter(user::Column::Username.is_in(names.iter().map(String::as_str)))
            .into_tuple::<String>()
            .all(&self.txn)
            .await?)
    }

    /// User `id`, locked against changes until the transaction ends;
    /// `None` if there is none.
    #[tracing::instrument(skip(self))]
    pub async fn user_lock(&self, id: Uuid) -> Result<Option<UserRecord>, StoreError> {
        let mut q = user::Entity::find_by_id(id);
        if self.backend == Backend::Postgres {
            // NO KEY UPDATE: it does not block the foreign-key checks of
            // rows that merely point at this user (sessions, keys).
            q = q.lock(LockType::NoKeyUpdate);
        }
        Ok(q.one(&self.txn).await?.map(Into::into))
    }

    /// For a change to user `id` that must leave an enabled admin: every
    /// enabled admin and `id` itself, locked in one statement in id order
    /// (so two such changes can neither both pass nor deadlock), as the ids
    /// of the enabled admins and the user's record (`None`: no such user).
    #[tracing::instrument(skip(self))]
    pub async fn user_lock_with_admins(
        &self,
        id: Uuid,
    ) -> Result<(Vec<Uuid>, Option<UserRecord>), StoreError> {
        let mut q = user::Entity::find()
            .filter(
                sea_orm::Condition::any()
                    .add(
                        sea_orm::Condition::all()
                            .add(user::Column::Role.eq(Role::Admin.as_str()))
                            .add(user::Column::Disabled.eq(false)),
                    )
                    .add(user::Column::Id.eq(id)),
            )
            .order_by_asc(user::Column::Id);
        if self.backend == Backend::Postgres {
            q = q.lock(LockType::NoKeyUpdate);
        }
        let rows: Vec<UserRecord> = q
            .all(&self.txn)
            .await?
            .into_iter()
            .map(Into::into)
            .collect();
        let admins = rows
            .iter()
            .filter(|r| r.user.role == Role::Admin && !r.user.disabled)
            .map(|r| r.user.id)
            .collect();
        let target = rows.into_iter().find(|r| r.user.id == id);
        Ok((admins, target))
    }

    /// Applies `changes` to user `id` (lock it first); returns the new row.
    #[tracing::instrument(skip(self, changes))]
    pub async fn user_apply(
        &self,
        id: Uuid,
        changes: UserChanges,
    ) -> Result<UserRecord, StoreError> {
        let mut am = user::ActiveModel {
            id: Set(id),
            updated_at: Set(now()),
            ..Default::default()
        };
        if let Some(role) = changes.role {
            am.role = Set(role.as_str().to_owned());
        }
        if let Some(disabled) = changes.disabled {
            am.disabled = Set(disabled);
        }
        if let Some(hash) = changes.password_hash {
            am.password_hash = Set(hash);
        }
        Ok(am.update(&self.txn).await?.into())
    }
}
