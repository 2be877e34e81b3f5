//! Users and roles, as the admin endpoints and `/me` show them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a user (and so each of their keys) may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Manages users and sees all activity, besides everything a user does.
    Admin,
    /// Manages their own keys.
    User,
}

impl Role {
    /// The role's wire and storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::User => "user",
        }
    }
}

/// A local account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub role: Role,
    /// A disabled user can neither sign in nor use any of their keys.
    pub disabled: bool,
    /// Signs in through the identity provider and has no Llavero password.
    #[serde(default)]
    pub oidc: bool,
    #[serde(serialize_with = "crate::rfc3339::serialize")]
    pub created_at: DateTime<Utc>,
}

/// `POST /api/v1/users` body (admin).
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateUser {
    /// 3 to 64 characters: letters, digits, `.`, `_`, `-`, `@`; stored lowercase.
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 3, max_length = 64, pattern = r"^[A-Za-z0-9._@-]+$")
    )]
    pub username: String,
    /// 8 to 1024 characters.
    #[cfg_attr(feature = "openapi", schema(format = Password, min_length = 8, max_length = 1024))]
    pub password: String,
    /// Defaults to `user`.
    #[serde(default)]
    pub role: Option<Role>,
}

impl std::fmt::Debug for CreateUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateUser")
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .field("role", &self.role)
            .finish()
    }
}

/// `PATCH /api/v1/users/{id}` body (admin): every field optional, at least one given.
#[derive(Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateUser {
    #[serde(default)]
    pub role: Option<Role>,
    #[serde(default)]
    pub disabled: Option<bool>,
    /// A new password, 8 to 1024 characters; the user's existing sessions end.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(format = Password, min_length = 8, max_length = 1024))]
    pub password: Option<String>,
}

impl std::fmt::Debug for UpdateUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpdateUser")
            .field("role", &self.role)
            .field("disabled", &self.disabled)
            .field("password", &self.password.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

/// `{"data": User}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserResponse {
    pub data: User,
}

/// A user as the admin list shows them: the account, and how many of its
/// keys work now (neither revoked nor expired).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserSummary {
    pub id: Uuid,
    pub username: String,
    pub role: Role,
    pub disabled: bool,
    /// Signs in through the identity provider and has no Llavero password.
    #[serde(default)]
    pub oidc: bool,
    pub created_at: DateTime<Utc>,
    pub active_keys: u64,
}

/// One page of users, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserList {
    pub data: Vec<UserSummary>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}
