//! Signing in a user the identity provider vouched for: find them by
//! (issuer, `sub`) or create them, bring their role in line with the
//! provider's roles claim, refuse them if disabled here, and start a
//! session — each change with its activity and webhook events, in one
//! transaction.
//!
//! A role the provider changes applies to the user's keys at once, as
//! every role change does (the verifier's cached answers for the user are
//! dropped on every replica). Two first sign-ins racing for one identity,
//! or for one username, meet the unique indexes: the loser starts over and
//! finds what the winner made.

use llavero_store::users::UserRecord;
use llavero_store::StoreError;
use llavero_types::{ActivityAction, Role, WebhookEventType};
use serde_json::json;

use super::sessions::{SignInError, SignedIn};
use super::{events, Acting};
use crate::oidc::claims::{username_base, username_candidates};
use crate::oidc::ProviderUser;
use crate::verification::Invalidation;
use crate::wire::ToWire;
use crate::App;

/// How many times a sign-in starts over after losing a race.
const ATTEMPTS: usize = 3;

impl App {
    /// Signs in `who` (already validated by [`crate::oidc`]) from `ip`.
    #[tracing::instrument(skip_all, fields(ip = ?ip))]
    pub async fn sign_in_with_provider(
        &self,
        who: &ProviderUser,
        ip: Option<String>,
    ) -> Result<SignedIn, SignInError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.try_provider_sign_in(who, ip.clone()).await {
                Err(SignInError::Store(StoreError::Conflict(_))) if attempt < ATTEMPTS => continue,
                other => return other,
            }
        }
    }

    async fn try_provider_sign_in(
        &self,
        who: &ProviderUser,
        ip: Option<String>,
    ) -> Result<SignedIn, SignInError> {
        let tx = self.store.begin().await?;
        let (record, created) = match tx.user_lock_by_identity(&who.identity).await? {
            Some(r) => (r, false),
            None => (create(&tx, who, ip.clone()).await?, true),
        };
        if record.user.disabled {
            // Nothing is written: the transaction rolls back on drop.
            return Err(SignInError::Disabled);
        }
        let mut user = record.user;
        let role = match who.admin {
            Some(true) => Role::Admin,
            Some(false) => Role::User,
            None => user.role,
        };
        let acting = Acting::user(&user, ip);
        let mut invalidation = None;
        if role != user.role && !created {
            user = tx
                .user_apply(
                    user.id,
                    llavero_store::users::UserChanges {
                        role: Some(role),
                        ..Default::default()
                    },
                )
                .await?
                .user;
            tx.activity_record(acting.event(
                ActivityAction::UserUpdated,
                Some(("user", user.id)),
                Some(format!(
                    "role: {} (from the identity provider)",
                    role.as_str()
                )),
            ))
            .await?;
            tx.outbox_emit(events::user(
                WebhookEventType::UserUpdated,
                &acting,
                user.id,
                json!({ "role": role.as_str(), "disabled": false, "password_changed": false }),
            ))
            .await?;
            invalidation = Some(Invalidation::User(user.id));
        }
        let token = self
            .open_session(
                &tx,
                &acting,
                user.id,
                Some("through the identity provider".to_owned()),
            )
            .await?;
        match invalidation {
            Some(what) => self.commit_invalidating(tx, what).await?,
            None => tx.commit().await?,
        }
        Ok(SignedIn {
            user: user.to_wire(),
            token,
        })
    }
}

/// Creates the user `who` names, with the first free username derived from
/// their claims and the role the provider gives (else `user`).
async fn create(
    tx: &llavero_store::Tx,
    who: &ProviderUser,
    ip: Option<String>,
) -> Result<UserRecord, SignInError> {
    let base = username_base(who.preferred_username.as_deref(), who.email.as_deref());
    let candidates = username_candidates(&base, &who.identity.subject);
    let taken = tx.usernames_taken(&candidates).await?;
    let username = candidates
        .into_iter()
        .find(|c| !taken.contains(c))
        .ok_or_else(|| StoreError::Conflict("every candidate username is taken"))?;
    let role = if who.admin == Some(true) {
        Role::Admin
    } else {
        Role::User
    };
    let record = tx
        .user_insert_from_provider(&username, role, &who.identity)
        .await?;
    let acting = Acting::user(&record.user, ip);
    tx.activity_record(acting.event(
        ActivityAction::UserCreated,
        Some(("user", record.user.id)),
        Some(format!(
            "username: {}, role: {}, from the identity provider",
            record.user.username,
            role.as_str()
        )),
    ))
    .await?;
    tx.outbox_emit(events::user(
        WebhookEventType::UserCreated,
        &acting,
        record.user.id,
        json!({ "role": role.as_str(), "oidc": true }),
    ))
    .await?;
    Ok(record)
}
