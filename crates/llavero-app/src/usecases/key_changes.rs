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

use super::api_keys::{describe, locked, CreatedKey, KeyChangeError};
use super::key_policy::{limits_of, Grant};
use super::{events, Acting};
use crate::verification::Invalidation;
use crate::wire::ToWire;
use crate::App;
use llavero_types::WebhookEventType;
use serde_json::json;

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

impl App {
    /// Applies `changes` to `owner_id`'s live key `key_id`.
    #[tracing::instrument(skip(self, acting, grant, changes))]
    pub async fn update_key(
        &self,
        acting: &Acting,
        grant: &Grant,
        owner_id: Uuid,
        key_id: Uuid,
        changes: KeyChanges,
    ) -> Result<ApiKey, KeyChangeError> {
        let tx = self.store.begin().await?;
        // As the answer will show it, changed below as written.
        let mut key = locked(&tx, owner_id, key_id).await?.to_wire();
        let renamed = changes
            .name
            .filter(|name| name.as_str() != key.name)
            .map(KeyName::into_inner);
        if let Some(name) = renamed.as_deref() {
            tx.api_key_set_name(key_id, name).await?;
            tx.activity_record(acting.event(
                ActivityAction::ApiKeyRenamed,
                Some(("api_key", key_id)),
                Some(format!("name: {} → {name}", key.name)),
            ))
            .await?;
        }
        let before = limits_of(&key);
        let after = KeyLimits {
            scopes: changes.scopes.unwrap_or_else(|| before.scopes.clone()),
            cidrs: changes.cidrs.unwrap_or_else(|| before.cidrs.clone()),
            expires_at: changes.expires_at.unwrap_or(before.expires_at),
        };
        let limits_changed = after != before;
        if limits_changed {
            grant.check(&after)?;
            tx.api_key_set_limits(key_id, &after).await?;
            let shown = |l: &KeyLimits| match describe(l) {
                parts if parts.is_empty() => "none".to_owned(),
                parts => parts.join(", "),
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
        if renamed.is_none() && !limits_changed {
            // Nothing changed: nothing to tell the replicas.
            tx.commit().await?;
            return Ok(key);
        }
        if after.expires_at != before.expires_at {
            tx.api_key_reset_expiry_notice(key_id).await?;
        }
        let changed: Vec<&str> = [
            (renamed.is_some(), "name"),
            (after.scopes != before.scopes, "scopes"),
            (after.cidrs != before.cidrs, "allowed_cidrs"),
            (after.expires_at != before.expires_at, "expires_at"),
        ]
        .into_iter()
        .filter_map(|(changed, field)| changed.then_some(field))
        .collect();
        tx.outbox_emit(events::key(
            WebhookEventType::KeyUpdated,
            acting,
            owner_id,
            key_id,
            json!({ "changed": changed }),
        ))
        .await?;
        self.commit_invalidating(tx, Invalidation::Key(key_id))
            .await?;
        // The key as it now is, from what was just written (no second read).
        if let Some(name) = renamed {
            key.name = name;
        }
        key.scopes = after.scopes.to_list();
        key.allowed_cidrs = after.cidrs.to_list();
        key.expires_at = after.expires_at;
        Ok(key)
    }

    /// Gives `owner_id`'s live key `key_id` a new secret, returned once. The
    /// key keeps its id, name and limits; the current secret keeps working for
    /// `grace` (then it is refused as revoked), and a secret an earlier roll
    /// replaced stops at once. Counts against the owner's per-minute allowance
    /// of new keys.
    #[tracing::instrument(skip(self, acting, grant))]
    pub async fn roll_key(
        &self,
        acting: &Acting,
        grant: &Grant,
        owner_id: Uuid,
        key_id: Uuid,
        grace: Duration,
    ) -> Result<CreatedKey, KeyChangeError> {
        // Before the transaction: the allowance is written on a connection of
        // its own, which SQLite would make wait for this transaction's lock.
        self.take_allowance(owner_id).await?;
        let tx = self.store.begin().await?;
        let key = locked(&tx, owner_id, key_id).await?.to_wire();
        // The new secret carries the key's limits: a key may roll only a key
        // it could have created.
        grant.check(&limits_of(&key))?;
        let (generated, hash) = self.new_secret()?;
        let previous_until = llavero_store::now() + grace;
        tx.api_key_roll(key_id, hash, &generated.hint, previous_until)
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
        tx.outbox_emit(events::key(
            WebhookEventType::KeyRolled,
            acting,
            owner_id,
            key_id,
            json!({ "previous_secret_expires_at": previous_until }),
        ))
        .await?;
        self.commit_invalidating(tx, Invalidation::Key(key_id))
            .await?;
        self.verifier.invalidate(Invalidation::Created(hash));
        self.metrics.key_created();
        Ok(CreatedKey {
            // The key as it now is, from what was just written (no second read).
            key: ApiKey {
                hint: generated.hint,
                previous_secret_expires_at: Some(previous_until)
                    .filter(|_| grace > Duration::zero()),
                ..key
            },
            secret: generated.secret,
        })
    }
}
