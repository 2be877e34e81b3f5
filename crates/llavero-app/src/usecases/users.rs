//! User changes: create, and update (role, disabled, password) under the
//! rule that the last enabled admin can never be demoted or disabled.

use llavero_domain::{Password, Username};
use llavero_store::users::{UserChanges, UserRecord};
use llavero_store::{Store, StoreError};
use llavero_types::{ActivityAction, Role, User, WebhookEventType};
use serde_json::json;
use uuid::Uuid;

use super::{events, Acting};
use crate::passwords::{Busy, PasswordWork};
use crate::verification::Invalidation;
use crate::wire::ToWire;
use crate::App;

/// Why a user could not be created.
#[derive(Debug, thiserror::Error)]
pub enum UserCreateError {
    #[error("username is taken")]
    UsernameTaken,
    #[error("hashing the password")]
    Hash(#[source] anyhow::Error),
    #[error(transparent)]
    Busy(#[from] Busy),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for UserCreateError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(_) => UserCreateError::UsernameTaken,
            other => UserCreateError::Store(other),
        }
    }
}

/// Why a user could not be updated.
#[derive(Debug, thiserror::Error)]
pub enum UserUpdateError {
    #[error("no such user")]
    NotFound,
    /// The change would leave no enabled admin.
    #[error("this is the last enabled admin")]
    LastAdmin,
    /// A password for a user from the identity provider, who has none.
    #[error("this user signs in through the identity provider and has no Llavero password")]
    NoLocalPassword,
    #[error("hashing the password")]
    Hash(#[source] anyhow::Error),
    #[error(transparent)]
    Busy(#[from] Busy),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What an update may change; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct UserUpdate {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    pub password: Option<Password>,
}

/// argon2id within the bounded password work (see `crate::passwords`).
async fn hash_password(
    work: &PasswordWork,
    password: Password,
) -> Result<anyhow::Result<String>, Busy> {
    work.run(move |space| Ok(llavero_domain::password::hash_in(space, password.expose())?))
        .await
}

/// Creates a user with `password` (hashed here, never stored in clear).
#[tracing::instrument(skip(store, work, acting, password))]
pub async fn create(
    store: &Store,
    work: &PasswordWork,
    acting: &Acting,
    username: &Username,
    password: Password,
    role: Role,
) -> Result<User, UserCreateError> {
    let hash = hash_password(work, password)
        .await?
        .map_err(UserCreateError::Hash)?;
    let tx = store.begin().await?;
    let record = tx.user_insert(username.as_str(), hash, role).await?;
    tx.activity_record(acting.event(
        ActivityAction::UserCreated,
        Some(("user", record.user.id)),
        Some(format!(
            "username: {}, role: {}",
            record.user.username,
            role.as_str()
        )),
    ))
    .await?;
    tx.outbox_emit(events::user(
        WebhookEventType::UserCreated,
        acting,
        record.user.id,
        json!({ "role": role.as_str() }),
    ))
    .await?;
    tx.commit().await?;
    Ok(record.user.to_wire())
}

impl App {
    /// Creates a user with `password` (see [`create`]).
    pub async fn create_user(
        &self,
        acting: &Acting,
        username: &Username,
        password: Password,
        role: Role,
    ) -> Result<User, UserCreateError> {
        create(
            &self.store,
            &self.passwords,
            acting,
            username,
            password,
            role,
        )
        .await
    }

    /// Updates user `id`. A disabled user or a new password ends the user's
    /// sessions; any change drops what every replica cached about the user's keys.
    #[tracing::instrument(skip(self, acting, update))]
    pub async fn update_user(
        &self,
        acting: &Acting,
        id: Uuid,
        update: UserUpdate,
    ) -> Result<User, UserUpdateError> {
        let UserUpdate {
            role,
            disabled,
            password,
        } = update;
        // Hash before the transaction: its locks are held for milliseconds, not
        // for an argon2 run.
        let password_hash = match password {
            Some(p) => Some(
                hash_password(&self.passwords, p)
                    .await?
                    .map_err(UserUpdateError::Hash)?,
            ),
            None => None,
        };
        let tx = self.store.begin().await?;
        // The admins and the user, locked together in id order: a concurrent
        // demotion waits here and then counts what this one left.
        let (admins, current) = tx.user_lock_with_admins(id).await?;
        let current: UserRecord = current.ok_or(UserUpdateError::NotFound)?;
        if current.user.oidc && password_hash.is_some() {
            return Err(UserUpdateError::NoLocalPassword);
        }
        let is_enabled_admin = current.user.role == Role::Admin && !current.user.disabled;
        let stays_enabled_admin = role.unwrap_or(current.user.role) == Role::Admin
            && !disabled.unwrap_or(current.user.disabled);
        if is_enabled_admin && !stays_enabled_admin && admins.iter().all(|a| *a == id) {
            return Err(UserUpdateError::LastAdmin);
        }
        let changed_password = password_hash.is_some();
        let record = tx
            .user_apply(
                id,
                UserChanges {
                    role,
                    disabled,
                    password_hash,
                },
            )
            .await?;
        if disabled == Some(true) || changed_password {
            tx.session_delete_for_user(id, None).await?;
        }
        let mut what = Vec::new();
        if let Some(r) = role {
            what.push(format!("role: {}", r.as_str()));
        }
        if let Some(d) = disabled {
            what.push(format!("disabled: {d}"));
        }
        if changed_password {
            what.push("password changed".to_owned());
        }
        tx.activity_record(acting.event(
            ActivityAction::UserUpdated,
            Some(("user", id)),
            Some(what.join(", ")),
        ))
        .await?;
        let disabling = disabled == Some(true) && !current.user.disabled;
        tx.outbox_emit(events::user(
            if disabling {
                WebhookEventType::UserDisabled
            } else {
                WebhookEventType::UserUpdated
            },
            acting,
            id,
            json!({
                "role": record.user.role.as_str(),
                "disabled": record.user.disabled,
                "password_changed": changed_password,
            }),
        ))
        .await?;
        self.commit_invalidating(tx, Invalidation::User(id)).await?;
        Ok(record.user.to_wire())
    }
}
