//! Sign-in and sign-out: a session row and its activity event together.
//!
//! The session token is random and returned to the caller once (for the
//! cookie); the database keeps only its peppered digest.

use llavero_domain::{password, random, TokenHash};
use llavero_store::StoreError;
use llavero_types::{ActivityAction, User};

use super::Acting;
use crate::state::AppState;

/// Why a sign-in was refused.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Too many recent failures for this username or address.
    #[error("too many attempts; retry in {0} s")]
    Throttled(u64),
    /// Wrong username or password (which one is never said).
    #[error("wrong username or password")]
    WrongCredentials,
    /// The password was right, but the account is disabled.
    #[error("this account is disabled")]
    Disabled,
    #[error("the sign-in could not be completed")]
    Internal(#[source] anyhow::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A new session: the user, and the token for the cookie (shown only here).
#[derive(Debug)]
pub struct SignedIn {
    pub user: User,
    pub token: llavero_domain::Secret<String>,
}

/// Checks `username` and `password` (throttled per username and address)
/// and starts a session of `state.session_ttl`.
#[tracing::instrument(skip(state, password), fields(ip = ?ip))]
pub async fn sign_in(
    state: &AppState,
    username: &str,
    password: String,
    ip: Option<String>,
) -> Result<SignedIn, SignInError> {
    if let Err(retry_after) = state.throttle.check(username, ip.as_deref()) {
        return Err(SignInError::Throttled(retry_after));
    }
    let record = state.store.user_by_username(username).await?;
    let stored_hash = record.as_ref().map(|r| r.password_hash.clone());
    // Unknown users cost the same argon2 run as known ones: timing does not
    // tell which usernames exist.
    let matches = tokio::task::spawn_blocking(move || match stored_hash {
        Some(hash) => password::verify(&password, &hash),
        None => {
            password::verify_dummy(&password);
            false
        }
    })
    .await
    .map_err(|e| SignInError::Internal(e.into()))?;

    let record = match record {
        Some(r) if matches => r,
        other => {
            state.throttle.fail(username, ip.as_deref());
            // An unknown username is logged with no actor.
            let target = other.as_ref().map(|r| ("user", r.user.id));
            let acting = match &other {
                Some(r) => Acting::user(&r.user, ip),
                None => Acting {
                    ip,
                    ..Acting::system()
                },
            };
            let tx = state.store.begin().await?;
            tx.activity_record(acting.event(ActivityAction::LoginFailed, target, None))
                .await?;
            tx.commit().await?;
            return Err(SignInError::WrongCredentials);
        }
    };
    if record.user.disabled {
        return Err(SignInError::Disabled);
    }
    state.throttle.succeed(username);

    let token = random::hex_token(32).map_err(|e| SignInError::Internal(e.into()))?;
    let hash = TokenHash::of(&state.pepper, &token);
    let ttl = chrono::Duration::from_std(state.session_ttl)
        .map_err(|e| SignInError::Internal(e.into()))?;
    let acting = Acting::user(&record.user, ip);
    let tx = state.store.begin().await?;
    // The password was checked outside the transaction (argon2 is slow):
    // if it changed, or the account was disabled, in the meantime, this
    // sign-in used what is no longer true.
    match tx.user_lock(record.user.id).await? {
        Some(now) if now.password_hash != record.password_hash => {
            return Err(SignInError::WrongCredentials);
        }
        Some(now) if now.user.disabled => return Err(SignInError::Disabled),
        Some(_) => {}
        None => return Err(SignInError::WrongCredentials),
    }
    let session_id = tx
        .session_create(record.user.id, &hash, llavero_store::now() + ttl)
        .await?;
    tx.activity_record(acting.event(ActivityAction::Login, Some(("session", session_id)), None))
        .await?;
    tx.commit().await?;
    Ok(SignedIn {
        user: record.user,
        token: llavero_domain::Secret::new(token),
    })
}

/// Ends the session whose token is `token` (if it is one), and records it.
#[tracing::instrument(skip_all, fields(ip = ?ip))]
pub async fn sign_out(state: &AppState, token: &str, ip: Option<String>) -> Result<(), StoreError> {
    let hash = TokenHash::of(&state.pepper, token);
    let tx = state.store.begin().await?;
    if let Some((session_id, user)) = tx.session_delete(&hash).await? {
        let acting = Acting::user(&user, ip);
        tx.activity_record(acting.event(
            ActivityAction::Logout,
            Some(("session", session_id)),
            None,
        ))
        .await?;
    }
    tx.commit().await
}
