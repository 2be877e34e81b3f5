//! Changes to an existing key: rename and limits (one `PATCH`), and roll.
//!
//! Each runs under the key's row lock, records what changed in the
//! activity log and tells every replica to drop what it cached about the
//! key — in one transaction, like a revocation — so new limits apply to
//! the very next use everywhere.

use chrono::Duration;
use llavero_domain::{Cidrs, KeyLimits, KeyName, Scopes};
use llavero_types::{ActivityAction, ApiKey};
use uuid::Uuid;

use super::api_keys::{
    describe, locked, new_secret, take_allowance, CreatedKey, KeyChangeError, StoreOr,
};
use super::key_policy::{limits_of, Grant};
use super::Acting;
use crate::state::AppState;
use crate::verification::Invalidation;

/// Longest grace period of a roll: 7 days.
pub const MAX_GRACE_SECONDS: i64 = 7 * 24 * 3600;

/// What a `PATCH` changes; `None` leaves a field as it is. Values are
/// already validated (the catalogue, the networks, the lifetime policy).
#[derive(Debug, Clone, Default)]
pub struct KeyChanges {
    pub name: Option<KeyName>,
    pub scopes: Option<Scopes>,
    pub cidrs: Option<Cidrs>,
    pub expires_at: Option<Option<chrono::DateTime<chrono::Utc>>>,
}

impl KeyChanges {
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.scopes.is_none()
            && self.cidrs.is_none()
            && self.expires_at.is_none()
    }
}

/// Applies `changes` to `owner_id`'s live key `key_id`.
#[tracing::instrument(skip(state, acting, grant, changes))]
pub async fn update(
    state: &AppState,
    acting: &Acting,
    grant: &Grant,
    owner_id: Uuid,
    key_id: Uuid,
    changes: KeyChanges,
) -> Result<ApiKey, KeyChangeError> {
    let tx = state.store.begin().await?;
    let key = locked(&tx, owner_id, key_id).await?;
    if let Some(name) = &changes.name {
        if name.as_str() != key.name {
            tx.api_key_set_name(key_id, name.as_str()).await?;
            tx.activity_record(acting.event(
                ActivityAction::ApiKeyRenamed,
                Some(("api_key", key_id)),
                Some(format!("name: {} → {}", key.name, name.as_str())),
            ))
            .await?;
        }
    }
    let before = limits_of(&key);
    let mut after = before.clone();
    if let Some(scopes) = changes.scopes {
        after.scopes = scopes;
    }
    if let Some(cidrs) = changes.cidrs {
        after.cidrs = cidrs;
    }
    if let Some(expires_at) = changes.expires_at {
        after.expires_at = expires_at;
    }
    let limits_changed = after.scopes != before.scopes
        || after.cidrs != before.cidrs
        || after.expires_at != before.expires_at;
    if limits_changed {
        grant.check(&after)?;
        tx.api_key_set_limits(key_id, &after).await?;
        let shown = |l: &KeyLimits| {
            let d = describe(l);
            if d.is_empty() {
                "none".to_owned()
            } else {
                d.trim_start_matches(", ").to_owned()
            }
        };
        tx.activity_record(acting.event(
            ActivityAction::ApiKeyLimitsChanged,
            Some(("api_key", key_id)),
            Some(format!(
                "name: {}; limits: {} → {}",
                key.name,
                shown(&before),
                shown(&after)
            )),
        ))
        .await?;
    }
    let what = Invalidation::Key(key_id);
    tx.notify_invalidation(&what.payload()).await?;
    let key = locked(&tx, owner_id, key_id).await?;
    tx.commit().await?;
    state.verifier.invalidate(what);
    Ok(key)
}

/// Gives `owner_id`'s live key `key_id` a new secret, returned once. The
/// key keeps its id, name and limits; the current secret keeps working for
/// `grace` (then it is refused as revoked), and a secret an earlier roll
/// replaced stops at once. Counts against the owner's per-minute allowance
/// of new keys.
#[tracing::instrument(skip(state, acting, grant))]
pub async fn roll(
    state: &AppState,
    acting: &Acting,
    grant: &Grant,
    owner_id: Uuid,
    key_id: Uuid,
    grace: Duration,
) -> Result<CreatedKey, KeyChangeError> {
    // Before the transaction: the allowance is written on a connection of
    // its own, which SQLite would make wait for this transaction's lock.
    take_allowance(state, owner_id).await.map_err(|e| match e {
        StoreOr::Store(s) => KeyChangeError::Store(s),
        StoreOr::Other(secs) => KeyChangeError::Throttled(secs),
    })?;
    let tx = state.store.begin().await?;
    let key = locked(&tx, owner_id, key_id).await?;
    // The new secret carries the key's limits: a key may roll only a key
    // it could have created.
    grant.check(&limits_of(&key))?;
    let (generated, hash) = new_secret(state).map_err(KeyChangeError::Generate)?;
    let previous_until = llavero_store::now() + grace;
    let rolled = tx
        .api_key_roll(key_id, hash, &generated.hint, previous_until)
        .await?;
    tx.activity_record(acting.event(
        ActivityAction::ApiKeyRolled,
        Some(("api_key", key_id)),
        Some(format!(
            "name: {}, previous secret valid until {}",
            key.name,
            previous_until.to_rfc3339()
        )),
    ))
    .await?;
    let what = Invalidation::Key(key_id);
    tx.notify_invalidation(&what.payload()).await?;
    tx.commit().await?;
    state.verifier.invalidate(what);
    state.verifier.invalidate(Invalidation::Created(hash));
    state.metrics.key_created();
    Ok(CreatedKey {
        key: rolled,
        secret: generated.secret,
    })
}
