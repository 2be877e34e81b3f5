//! Sign-in and "who am I".

use serde::{Deserialize, Serialize};

use crate::{ApiKey, User};

/// `POST /api/v1/auth/login` body.
///
/// `Debug` is written by hand so that a password can never reach a log line.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    #[cfg_attr(feature = "openapi", schema(min_length = 1, pattern = r"\S"))]
    pub username: String,
    #[cfg_attr(feature = "openapi", schema(format = Password, min_length = 1))]
    pub password: String,
}

impl std::fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRequest")
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .finish()
    }
}

/// The caller of a request: the user, and the key when one was used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    pub user: User,
    /// The key that authenticated this request; absent for a browser session.
    pub api_key: Option<ApiKey>,
}

/// `{"data": Me}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeResponse {
    pub data: Me,
}

/// Where the browser goes after signing out here: the identity provider's
/// end-session page, or `/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedOut {
    pub location: String,
}

/// `POST /auth/oidc/logout`'s answer to a program that asks for JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedOutResponse {
    pub data: SignedOut,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_request_debug_hides_the_password() {
        let req = LoginRequest {
            username: "ana".into(),
            password: "hunter2-hunter2".into(),
        };
        let shown = format!("{req:?}");
        assert!(shown.contains("ana"));
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}

/// `POST /me/password`: the caller's current password and the new one.
///
/// `Debug` is written by hand so that a password can never reach a log line.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangePassword {
    #[cfg_attr(feature = "openapi", schema(format = Password, min_length = 1))]
    pub current_password: String,
    /// 8 to 1024 characters.
    #[cfg_attr(feature = "openapi", schema(format = Password, min_length = 8, max_length = 1024))]
    pub new_password: String,
}

impl std::fmt::Debug for ChangePassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangePassword")
            .field("current_password", &"[redacted]")
            .field("new_password", &"[redacted]")
            .finish()
    }
}
