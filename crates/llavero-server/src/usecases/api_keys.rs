//! Key changes: create, rename, revoke (by the owner or by an admin — one path).

use chrono::{DateTime, Utc};
use llavero_domain::{key, KeyHash, KeyName};
use llavero_store::api_keys::NewApiKey;
use llavero_store::StoreError;
use llavero_types::{ActivityAction, ApiKey};
use uuid::Uuid;

use super::Acting;
use crate::state::AppState;
use crate::throttle;
use crate::verification::Invalidation;

/// Why a key could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateKeyError {
    #[error("the expiry is not in the future")]
    ExpiryInPast,
    /// The owner created too many keys in the last minute.
    #[error("too many keys created; retry in {0} s")]
    Throttled(u64),
    /// The OS random source failed, or a generated key failed its own format.
    #[error("generating the key")]
    Generate(#[source] anyhow::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a key could not be renamed or revoked.
#[derive(Debug, thiserror::Error)]
pub enum KeyChangeError {
    /// No such live key of that owner (another user's key is "not found" too).
    #[error("no such API key")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A new key and its secret, which exists only in this value.
#[derive(Debug)]
pub struct CreatedKey {
    pub key: ApiKey,
    pub secret: llavero_domain::Secret<String>,
}

/// Generates a key for `owner_id`; the secret is returned once and stored
/// only as its HMAC. At most `state.key_create_per_minute` a minute per
/// owner (the number of keys is not limited).
#[tracing::instrument(skip(state, acting), fields(owner_id = %owner_id))]
pub async fn create(
    state: &AppState,
    acting: &Acting,
    owner_id: Uuid,
    name: &KeyName,
    expires_at: Option<DateTime<Utc>>,
) -> Result<CreatedKey, CreateKeyError> {
    if expires_at.is_some_and(|at| at <= llavero_store::now()) {
        return Err(CreateKeyError::ExpiryInPast);
    }
    if state.key_create_per_minute > 0 {
        let (bucket, limit) = throttle::key_create_bucket(owner_id, state.key_create_per_minute);
        if let Err(wait) = state.store.throttle_take(&[(&bucket, limit)]).await? {
            return Err(CreateKeyError::Throttled(throttle::retry_after_secs(wait)));
        }
    }
    let generated = key::generate(&state.key_prefix)
        .map_err(|e| CreateKeyError::Generate(anyhow::anyhow!("random source: {e}")))?;
    let parsed = key::parse(&state.key_prefix, generated.secret.expose()).map_err(|e| {
        CreateKeyError::Generate(anyhow::anyhow!("generated key fails its own format: {e}"))
    })?;
    let hash = KeyHash::of(&state.pepper, &parsed);
    let tx = state.store.begin().await?;
    let created = tx
        .api_key_insert(NewApiKey {
            user_id: owner_id,
            name: name.as_str(),
            hint: &generated.hint,
            hash,
            expires_at,
        })
        .await?;
    tx.activity_record(acting.event(
        ActivityAction::ApiKeyCreated,
        Some(("api_key", created.id)),
        Some(format!("name: {}", created.name)),
    ))
    .await?;
    tx.commit().await?;
    // No notification to other replicas: a replica can hold a negative entry
    // for this digest only if the key was presented before it existed —
    // before its 178 random bits were drawn here. A NOTIFY would buy nothing
    // and cost much: PostgreSQL serialises the commits of every notifying
    // transaction (measured: creations fell from ~5,000 to ~1,700 a second).
    // This replica drops it all the same; it costs nothing.
    state.verifier.invalidate(Invalidation::Created(hash));
    state.metrics.key_created();
    Ok(CreatedKey {
        key: created,
        secret: generated.secret,
    })
}

/// Renames `owner_id`'s live key `key_id`.
#[tracing::instrument(skip(state, acting))]
pub async fn rename(
    state: &AppState,
    acting: &Acting,
    owner_id: Uuid,
    key_id: Uuid,
    name: &KeyName,
) -> Result<ApiKey, KeyChangeError> {
    let tx = state.store.begin().await?;
    let mut key = tx
        .api_key_lock(owner_id, key_id)
        .await?
        .ok_or(KeyChangeError::NotFound)?;
    tx.api_key_set_name(key_id, name.as_str()).await?;
    let before = std::mem::replace(&mut key.name, name.as_str().to_owned());
    tx.activity_record(acting.event(
        ActivityAction::ApiKeyRenamed,
        Some(("api_key", key_id)),
        Some(format!("name: {before} → {}", key.name)),
    ))
    .await?;
    let what = Invalidation::Key(key_id);
    tx.notify_invalidation(&what.payload()).await?;
    tx.commit().await?;
    state.verifier.invalidate(what);
    Ok(key)
}

/// Revokes `owner_id`'s live key `key_id`: refused at once on this replica,
/// and on every other as soon as the commit's notification arrives.
#[tracing::instrument(skip(state, acting))]
pub async fn revoke(
    state: &AppState,
    acting: &Acting,
    owner_id: Uuid,
    key_id: Uuid,
) -> Result<ApiKey, KeyChangeError> {
    let tx = state.store.begin().await?;
    let key = tx
        .api_key_lock(owner_id, key_id)
        .await?
        .ok_or(KeyChangeError::NotFound)?;
    tx.api_key_set_revoked(key_id).await?;
    let by_owner = acting.actor.as_ref().is_some_and(|a| a.id == owner_id);
    let detail = if by_owner {
        format!("name: {}", key.name)
    } else {
        format!("name: {}, owner: {owner_id}", key.name)
    };
    tx.activity_record(acting.event(
        ActivityAction::ApiKeyRevoked,
        Some(("api_key", key_id)),
        Some(detail),
    ))
    .await?;
    let what = Invalidation::Key(key_id);
    tx.notify_invalidation(&what.payload()).await?;
    tx.commit().await?;
    state.verifier.invalidate(what);
    state.metrics.key_revoked();
    Ok(key)
}
