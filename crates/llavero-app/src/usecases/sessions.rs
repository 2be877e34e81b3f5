//! Sessions: sign-in, sign-out, signing out everywhere, and changing one's
//! own password — each with its activity event, in one transaction.
//!
//! The session token is random and returned to the caller once (for the
//! cookie); the database keeps only its peppered digest. Every password
//! check first takes an attempt from the sign-in throttle (see
//! `crate::throttle`) and then waits its turn for bounded password work
//! (see `crate::passwords`), so guessing costs the server no more than the
//! limits allow, however many guesses arrive at once.

use llavero_domain::{password, random, Password, TokenHash};
use llavero_store::StoreError;
use llavero_types::{ActivityAction, User};
use uuid::Uuid;

use super::Acting;
use crate::passwords::Busy;
use crate::throttle::{self, retry_after_secs};
use crate::wire::ToWire;
use crate::App;

/// Why a sign-in (or a password check) was refused.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Too many recent attempts for this account from this address, or
    /// from this address.
    #[error("too many attempts; retry in {0} s")]
    Throttled(u64),
    /// Wrong username or password (which one is never said).
    #[error("wrong username or password")]
    WrongCredentials,
    /// The password was right, but the account is disabled.
    #[error("this account is disabled")]
    Disabled,
    /// Too many password checks are running already.
    #[error(transparent)]
    Busy(#[from] Busy),
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

impl App {
    /// Whether `password` is the password of `stored_hash` (or, for an unknown
    /// user, `None`: the same work, always false), checked under the throttle
    /// `buckets` (see `crate::throttle`). A right password resets the first
    /// bucket and gives its attempt back to the others.
    async fn check_password(
        &self,
        buckets: Vec<(String, llavero_store::throttle::Limit)>,
        password: String,
        stored_hash: Option<String>,
    ) -> Result<bool, SignInError> {
        let refs: Vec<_> = buckets.iter().map(|(b, l)| (b.as_str(), *l)).collect();
        if let Err(wait) = self.store.throttle_take(&refs).await? {
            return Err(SignInError::Throttled(retry_after_secs(wait)));
        }
        // Unknown users cost the same argon2 run as known ones: timing does not
        // tell which usernames exist.
        let matches = self
            .passwords
            .run(move |space| match stored_hash {
                Some(hash) => password::verify_in(space, &password, &hash),
                None => {
                    password::verify_dummy_in(space, &password);
                    false
                }
            })
            .await?;
        if matches {
            if let Some(((first, _), rest)) = buckets.split_first() {
                self.store.throttle_reset(first).await?;
                for (bucket, limit) in rest {
                    self.store.throttle_give_back(bucket, *limit).await?;
                }
            }
        }
        Ok(matches)
    }

    /// Checks `username` and `password` and starts a session. `device` is
    /// the id of the device cookie the browser holds for this account, if it
    /// holds a valid one: that device is then throttled alone; otherwise the
    /// attempt is throttled per account and address, per address, and per
    /// account (see `crate::throttle`).
    #[tracing::instrument(skip(self, password, device), fields(ip = ?ip))]
    pub async fn sign_in(
        &self,
        username: &str,
        password: String,
        ip: Option<String>,
        device: Option<String>,
    ) -> Result<SignedIn, SignInError> {
        let record = self.store.user_by_username(username).await?;
        // A user from the identity provider has no password: the check runs
        // (and fails) as for an unknown user.
        let stored_hash = record.as_ref().and_then(|r| r.password_hash.clone());
        let buckets = throttle::sign_in_buckets(username, ip.as_deref(), device.as_deref());
        let matches = self.check_password(buckets, password, stored_hash).await?;

        let record = match record {
            Some(r) if matches => r,
            other => {
                // An unknown username is logged with no actor.
                let target = other.as_ref().map(|r| ("user", r.user.id));
                let acting = match &other {
                    Some(r) => Acting::user(&r.user, ip),
                    None => Acting {
                        ip,
                        ..Acting::system()
                    },
                };
                let tx = self.store.begin().await?;
                tx.activity_record(acting.event(ActivityAction::LoginFailed, target, None))
                    .await?;
                tx.commit().await?;
                return Err(SignInError::WrongCredentials);
            }
        };
        if record.user.disabled {
            return Err(SignInError::Disabled);
        }

        let acting = Acting::user(&record.user, ip);
        let tx = self.store.begin().await?;
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
        let token = self
            .open_session(&tx, &acting, record.user.id, None)
            .await?;
        tx.commit().await?;
        Ok(SignedIn {
            user: record.user.to_wire(),
            token,
        })
    }

    /// Starts a session for user `user_id` in `tx`, with its `login` event
    /// (`detail` says how, when not by password); the token is for the cookie.
    pub(crate) async fn open_session(
        &self,
        tx: &llavero_store::Tx,
        acting: &Acting,
        user_id: Uuid,
        detail: Option<String>,
    ) -> Result<llavero_domain::Secret<String>, SignInError> {
        let token = random::hex_token(32).map_err(|e| SignInError::Internal(e.into()))?;
        let hash = TokenHash::of(&self.pepper, &token);
        let ttl = chrono::Duration::from_std(self.sessions.absolute)
            .map_err(|e| SignInError::Internal(e.into()))?;
        let session_id = tx
            .session_create(user_id, &hash, llavero_store::now() + ttl)
            .await?;
        tx.activity_record(acting.event(
            ActivityAction::Login,
            Some(("session", session_id)),
            detail,
        ))
        .await?;
        Ok(llavero_domain::Secret::new(token))
    }

    /// Ends the session whose token is `token` (if it is one), and records it.
    #[tracing::instrument(skip_all, fields(ip = ?ip))]
    pub async fn sign_out(&self, token: &str, ip: Option<String>) -> Result<(), StoreError> {
        let hash = TokenHash::of(&self.pepper, token);
        let tx = self.store.begin().await?;
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

    /// Ends every session of `acting`'s user (this one too); returns how many.
    #[tracing::instrument(skip_all)]
    pub async fn sign_out_everywhere(&self, acting: &Acting) -> Result<u64, StoreError> {
        let Some(actor) = &acting.actor else {
            return Ok(0);
        };
        let tx = self.store.begin().await?;
        let ended = tx.session_delete_for_user(actor.id, None).await?;
        tx.activity_record(acting.event(
            ActivityAction::LogoutEverywhere,
            Some(("user", actor.id)),
            Some(format!("sessions ended: {ended}")),
        ))
        .await?;
        tx.commit().await?;
        Ok(ended)
    }

    /// Changes `user`'s own password after checking the current one (under the
    /// sign-in throttle: a stolen session cannot guess it), and ends the user's
    /// other sessions; `session` (the one asking) stays.
    #[tracing::instrument(skip_all)]
    pub async fn change_own_password(
        &self,
        acting: &Acting,
        user: &User,
        session: Option<Uuid>,
        current: String,
        new: Password,
    ) -> Result<(), PasswordChangeError> {
        let record = self
            .store
            .user_by_username(&user.username)
            .await?
            .filter(|r| r.user.id == user.id)
            .ok_or(PasswordChangeError::CurrentWrong)?;
        let Some(old_hash) = record.password_hash.clone() else {
            return Err(PasswordChangeError::NoLocalPassword);
        };
        let right = self
            .check_password(
                throttle::password_check_buckets(&user.username, acting.ip.as_deref()),
                current,
                Some(old_hash.clone()),
            )
            .await?;
        if !right {
            return Err(PasswordChangeError::CurrentWrong);
        }
        let new_hash = self
            .passwords
            .run(move |space| password::hash_in(space, new.expose()))
            .await
            .map_err(SignInError::from)?
            .map_err(|e| SignInError::Internal(e.into()))?;
        let tx = self.store.begin().await?;
        match tx.user_lock(user.id).await? {
            // Changed meanwhile: the current password checked is no longer it.
            Some(now) if now.password_hash.as_ref() == Some(&old_hash) => {}
            _ => return Err(PasswordChangeError::CurrentWrong),
        }
        tx.user_apply(
            user.id,
            llavero_store::users::UserChanges {
                role: None,
                disabled: None,
                password_hash: Some(new_hash),
            },
        )
        .await?;
        let ended = tx.session_delete_for_user(user.id, session).await?;
        tx.activity_record(acting.event(
            ActivityAction::PasswordChanged,
            Some(("user", user.id)),
            Some(format!("other sessions ended: {ended}")),
        ))
        .await?;
        tx.outbox_emit(super::events::user(
            llavero_types::WebhookEventType::UserUpdated,
            acting,
            user.id,
            serde_json::json!({
                "role": user.role.as_str(),
                "disabled": user.disabled,
                "password_changed": true,
            }),
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Why one's own password could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum PasswordChangeError {
    /// `current_password` is wrong.
    #[error("the current password is wrong")]
    CurrentWrong,
    /// The user signs in through the identity provider: there is no
    /// Llavero password to change.
    #[error("this user has no Llavero password")]
    NoLocalPassword,
    #[error(transparent)]
    Check(SignInError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<SignInError> for PasswordChangeError {
    fn from(e: SignInError) -> Self {
        match e {
            SignInError::WrongCredentials => PasswordChangeError::CurrentWrong,
            SignInError::Store(s) => PasswordChangeError::Store(s),
            other => PasswordChangeError::Check(other),
        }
    }
}
