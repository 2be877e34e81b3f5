//! How the lower layers' errors become answers: each HTTP-agnostic error
//! (the store's, the domain's, the use cases') maps to one [`ErrorCode`].

use llavero_domain::ValidationError;
use llavero_store::StoreError;
use llavero_types::ErrorCode;

use super::ApiError;
use llavero_app::oidc::OidcError;
use llavero_app::passwords::{self, Busy};
use llavero_app::usecases::api_keys::KeyChangeError;
use llavero_app::usecases::sessions::{PasswordChangeError, SignInError};
use llavero_app::usecases::users::{UserCreateError, UserUpdateError};
use llavero_app::usecases::webhooks::WebhookError;
use llavero_app::verification::VerifyError;

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            // Use cases turn the conflicts they expect into their own
            // errors; one that reaches here is a bug.
            StoreError::Conflict(what) => {
                ApiError::internal(anyhow::anyhow!("unexpected conflict: {what}"))
            }
            StoreError::Unavailable(db) => ApiError::database_unavailable(db),
            StoreError::Database(db) => {
                ApiError::internal(anyhow::Error::new(db).context("database"))
            }
        }
    }
}

impl From<KeyChangeError> for ApiError {
    fn from(e: KeyChangeError) -> Self {
        match e {
            KeyChangeError::NotFound => ApiError::new(ErrorCode::NotFound, "no such API key"),
            KeyChangeError::BeyondGrant(e) => ApiError::new(ErrorCode::GrantExceeded, e.0),
            KeyChangeError::Throttled(secs) => ApiError::rate_limited(secs),
            KeyChangeError::Generate(cause) => ApiError::internal(cause),
            KeyChangeError::Store(s) => s.into(),
        }
    }
}

impl From<UserCreateError> for ApiError {
    fn from(e: UserCreateError) -> Self {
        match e {
            UserCreateError::UsernameTaken => {
                ApiError::new(ErrorCode::UsernameTaken, "the username is taken")
            }
            UserCreateError::Hash(cause) => ApiError::internal(cause),
            UserCreateError::Busy(busy) => busy.into(),
            UserCreateError::Store(s) => s.into(),
        }
    }
}

impl From<UserUpdateError> for ApiError {
    fn from(e: UserUpdateError) -> Self {
        match e {
            UserUpdateError::NotFound => ApiError::new(ErrorCode::NotFound, "no such user"),
            UserUpdateError::LastAdmin => ApiError::new(
                ErrorCode::LastAdmin,
                "this is the last enabled admin: promote another user first",
            ),
            UserUpdateError::NoLocalPassword => no_local_password(),
            UserUpdateError::Hash(cause) => ApiError::internal(cause),
            UserUpdateError::Busy(busy) => busy.into(),
            UserUpdateError::Store(s) => s.into(),
        }
    }
}

impl From<SignInError> for ApiError {
    fn from(e: SignInError) -> Self {
        match e {
            SignInError::Throttled(secs) => ApiError::rate_limited(secs),
            SignInError::WrongCredentials => {
                ApiError::new(ErrorCode::CredentialsInvalid, "wrong username or password")
            }
            SignInError::Disabled => {
                ApiError::new(ErrorCode::AccountDisabled, "this account is disabled")
            }
            SignInError::Busy(busy) => busy.into(),
            SignInError::Internal(cause) => ApiError::internal(cause),
            SignInError::Store(s) => s.into(),
        }
    }
}

impl From<Busy> for ApiError {
    fn from(e: Busy) -> Self {
        match e {
            Busy::NoTurn => ApiError::busy("password checks", passwords::BUSY_RETRY_AFTER_SECS),
            failed @ Busy::Failed(_) => ApiError::internal(failed),
        }
    }
}

impl From<PasswordChangeError> for ApiError {
    fn from(e: PasswordChangeError) -> Self {
        match e {
            PasswordChangeError::CurrentWrong => {
                ApiError::field("current_password", "is not your current password")
            }
            PasswordChangeError::NoLocalPassword => no_local_password(),
            PasswordChangeError::Check(e) => e.into(),
            PasswordChangeError::Store(s) => s.into(),
        }
    }
}

impl From<VerifyError> for ApiError {
    fn from(e: VerifyError) -> Self {
        match e {
            VerifyError::Throttled(secs) => ApiError::rate_limited(secs),
            VerifyError::Busy => ApiError::busy("key lookups", 1),
            VerifyError::Store(s) => s.into(),
        }
    }
}

impl From<ValidationError> for ApiError {
    fn from(e: ValidationError) -> Self {
        ApiError::field(e.field, e.message)
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        ApiError::internal(anyhow::anyhow!("blocking task failed: {e}"))
    }
}

impl From<WebhookError> for ApiError {
    fn from(e: WebhookError) -> Self {
        match e {
            WebhookError::NotFound => ApiError::new(ErrorCode::NotFound, "no such webhook"),
            WebhookError::Store(s) => s.into(),
            WebhookError::Random(r) => ApiError::internal(r),
        }
    }
}

/// A password asked of a user from the identity provider, who has none.
fn no_local_password() -> ApiError {
    ApiError::new(
        ErrorCode::NoLocalPassword,
        "this user signs in through the identity provider and has no Llavero password",
    )
}

impl From<OidcError> for ApiError {
    fn from(e: OidcError) -> Self {
        // What the provider said is its own short code; nothing of ours.
        let said = |s: &str| -> String {
            s.chars()
                .filter(|c| c.is_ascii_graphic() || *c == ' ')
                .take(100)
                .collect()
        };
        match e {
            OidcError::Unavailable(cause) => ApiError {
                cause: Some(anyhow::anyhow!(cause)),
                retry_after_secs: Some(super::DATABASE_RETRY_AFTER_SECS),
                ..ApiError::new(
                    ErrorCode::OidcUnavailable,
                    "the identity provider cannot be reached right now; retry shortly",
                )
            },
            OidcError::StateInvalid => ApiError::new(
                ErrorCode::OidcStateInvalid,
                "this sign-in is not the one this browser started, or it took over ten minutes; \
                 start again",
            ),
            OidcError::Denied(error) => ApiError::new(
                ErrorCode::OidcDenied,
                format!(
                    "the identity provider refused the sign-in ({})",
                    said(&error)
                ),
            ),
            OidcError::CodeRejected(error) => ApiError::new(
                ErrorCode::OidcCodeRejected,
                format!(
                    "the identity provider would not redeem the code ({}); start again",
                    said(&error)
                ),
            ),
            OidcError::TokenInvalid(why) => ApiError::new(
                ErrorCode::OidcTokenInvalid,
                format!("the ID token is not valid: {}", said(&why)),
            ),
        }
    }
}
