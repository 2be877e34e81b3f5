//! Key lifecycle: create and revoke (by the owner or by an admin — one
//! path). Changes to an existing key (rename, limits, roll) are in
//! `key_changes`.

use llavero_domain::KeyLimits;
use llavero_domain::{key, KeyHash, KeyName};
use llavero_store::activity::NewEvent;
use llavero_store::api_keys::{ApiKeyRow, NewApiKey};
use llavero_store::StoreError;
use llavero_types::{ActivityAction, ApiKey, WebhookEventType};
use serde_json::json;
use uuid::Uuid;

use super::key_policy::{BeyondGrant, Grant};
use super::{events, Acting};
use crate::throttle;
use crate::verification::Invalidation;
use crate::wire::ToWire;
use crate::App;

/// Why a key could not be created, changed, rolled or revoked.
#[derive(Debug, thiserror::Error)]
pub enum KeyChangeError {
    /// No such live key of that owner (another user's key is "not found" too).
    #[error("no such API key")]
    NotFound,
    /// A key asked for more than it holds.
    #[error(transparent)]
    BeyondGrant(#[from] BeyondGrant),
    /// The owner made too many secrets (new keys or rolls) in the last minute.
    #[error("too many keys created; retry in {0} s")]
    Throttled(u64),
    /// The OS random source failed, or a generated key failed its own format.
    #[error("generating the key")]
    Generate(#[source] anyhow::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A new key and its secret, which exists only in this value.
#[derive(Debug)]
pub struct CreatedKey {
    pub key: ApiKey,
    pub secret: llavero_domain::Secret<String>,
}

impl App {
    /// Takes one secret from `owner_id`'s per-minute allowance.
    pub(crate) async fn take_allowance(&self, owner_id: Uuid) -> Result<(), KeyChangeError> {
        if self.key_create_per_minute > 0 {
            let (bucket, limit) = throttle::key_create_bucket(owner_id, self.key_create_per_minute);
            if let Err(wait) = self.store.throttle_take(&[(&bucket, limit)]).await? {
                return Err(KeyChangeError::Throttled(throttle::retry_after_secs(wait)));
            }
        }
        Ok(())
    }

    /// A fresh secret and its digest.
    pub(crate) fn new_secret(
        &self,
    ) -> Result<(llavero_domain::GeneratedKey, KeyHash), KeyChangeError> {
        let generate = |e: String| KeyChangeError::Generate(anyhow::anyhow!(e));
        let generated =
            key::generate(&self.key_prefix).map_err(|e| generate(format!("random source: {e}")))?;
        let parsed = key::parse(&self.key_prefix, generated.secret.expose())
            .map_err(|e| generate(format!("generated key fails its own format: {e}")))?;
        let hash = KeyHash::of(&self.pepper, &parsed);
        Ok((generated, hash))
    }

    /// Generates a key for `owner_id` with `limits` (already checked against
    /// the policy); the secret is returned once and stored only as its HMAC.
    /// At most `self.key_create_per_minute` a minute per owner (the number of
    /// keys is not limited).
    #[tracing::instrument(skip(self, acting, grant, limits), fields(owner_id = %owner_id))]
    pub async fn create_key(
        &self,
        acting: &Acting,
        grant: &Grant,
        owner_id: Uuid,
        name: &KeyName,
        limits: KeyLimits,
    ) -> Result<CreatedKey, KeyChangeError> {
        grant.check(&limits)?;
        self.take_allowance(owner_id).await?;
        let (generated, hash) = self.new_secret()?;
        let tx = self.store.begin().await?;
        let created = tx
            .api_key_insert(NewApiKey {
                user_id: owner_id,
                name: name.as_str(),
                hint: &generated.hint,
                hash,
                expires_at: limits.expires_at,
                scopes: &limits.scopes,
                cidrs: &limits.cidrs,
            })
            .await?;
        tx.activity_record(
            acting.event(
                ActivityAction::ApiKeyCreated,
                Some(("api_key", created.id)),
                Some(
                    std::iter::once(format!("name: {}", created.name))
                        .chain(describe(&limits))
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
            ),
        )
        .await?;
        tx.outbox_emit(events::key(
            WebhookEventType::KeyCreated,
            acting,
            owner_id,
            created.id,
            json!({ "expires_at": limits.expires_at }),
        ))
        .await?;
        tx.commit().await?;
        // No notification to other replicas: a replica can hold a negative entry
        // for this digest only if the key was presented before it existed —
        // before its 178 random bits were drawn here. A NOTIFY would buy nothing
        // and cost much: PostgreSQL serialises the commits of every notifying
        // transaction (measured: creations fell from ~5,000 to ~1,700 a second).
        // This replica drops it all the same; it costs nothing.
        self.verifier.invalidate(Invalidation::Created(hash));
        self.metrics.key_created();
        Ok(CreatedKey {
            key: created.to_wire(),
            secret: generated.secret,
        })
    }

    /// Revokes `owner_id`'s live key `key_id`: refused at once on this replica,
    /// and on every other as soon as the commit's notification arrives.
    #[tracing::instrument(skip(self, acting))]
    pub async fn revoke_key(
        &self,
        acting: &Acting,
        owner_id: Uuid,
        key_id: Uuid,
    ) -> Result<ApiKey, KeyChangeError> {
        let tx = self.store.begin().await?;
        let key = locked(&tx, owner_id, key_id).await?;
        tx.api_key_set_revoked(key_id).await?;
        let by_owner = acting.actor.as_ref().is_some_and(|a| a.id == owner_id);
        let detail = if by_owner {
            format!("name: {}", key.name)
        } else {
            format!("name: {}, owner: {owner_id}", key.name)
        };
        tx.activity_record(NewEvent {
            // Someone else's doing (an admin): the owner sees it too.
            owner_id: (!by_owner).then_some(owner_id),
            ..acting.event(
                ActivityAction::ApiKeyRevoked,
                Some(("api_key", key_id)),
                Some(detail),
            )
        })
        .await?;
        tx.outbox_emit(events::key(
            WebhookEventType::KeyRevoked,
            acting,
            owner_id,
            key_id,
            json!({ "reason": "revoked" }),
        ))
        .await?;
        self.commit_invalidating(tx, Invalidation::Key(key_id))
            .await?;
        self.metrics.key_revoked();
        Ok(key.to_wire())
    }
}

/// `owner_id`'s live key `key_id`, locked until `tx` ends.
pub(crate) async fn locked(
    tx: &llavero_store::Tx,
    owner_id: Uuid,
    key_id: Uuid,
) -> Result<ApiKeyRow, KeyChangeError> {
    tx.api_key_lock(owner_id, key_id)
        .await?
        .ok_or(KeyChangeError::NotFound)
}

/// The limits in an activity detail: only what differs from the default.
pub(crate) fn describe(limits: &KeyLimits) -> Vec<String> {
    let mut out = Vec::new();
    if let llavero_domain::Scopes::Only(list) = &limits.scopes {
        out.push(format!("scopes: {}", list.join(" ")));
    }
    if !limits.cidrs.is_empty() {
        out.push(format!(
            "allowed_cidrs: {}",
            limits.cidrs.to_list().join(" ")
        ));
    }
    if let Some(at) = limits.expires_at {
        out.push(format!("expires_at: {}", at.to_rfc3339()));
    }
    out
}
