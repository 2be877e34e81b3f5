//! The optional policy that revokes forgotten keys
//! (`LLAVERO_REVOKE_UNUSED_AFTER_DAYS`), as GitHub does for tokens left
//! unused: each key revoked, its `api_key_revoked_unused` event (the owner
//! as actor, so it shows in the owner's activity) and the notification that
//! makes every replica refuse it, in one transaction per batch. Replicas
//! sweeping at once never revoke (or report) a key twice (see
//! `llavero_store::unused_keys`).

use chrono::Duration;
use llavero_store::activity::NewEvent;
use llavero_store::{now, StoreError};
use llavero_types::{ActivityAction, WebhookEventType};
use serde_json::json;

use super::{events, Acting};

use crate::verification::Invalidation;
use crate::App;

/// Keys revoked per transaction.
const BATCH: u64 = 500;

impl App {
    /// Revokes every live key unused for `days`; returns how many.
    #[tracing::instrument(skip(self))]
    pub async fn revoke_unused_keys(&self, days: u32) -> Result<usize, StoreError> {
        let cutoff = now() - Duration::days(i64::from(days));
        let mut total = 0;
        loop {
            let tx = self.store.begin().await?;
            let revoked = tx.api_key_revoke_unused(cutoff, BATCH).await?;
            for key in &revoked {
                tx.activity_record(NewEvent {
                    action: ActivityAction::ApiKeyRevokedUnused,
                    actor: Some(key.owner.clone()),
                    ip: None,
                    api_key_id: None,
                    target_type: Some("api_key"),
                    target_id: Some(key.id),
                    detail: Some(format!("name: {}, unused for {days} days", key.name)),
                    owner_id: Some(key.owner.id),
                })
                .await?;
                tx.outbox_emit(events::key(
                    WebhookEventType::KeyRevoked,
                    &Acting::system(),
                    key.owner.id,
                    key.id,
                    json!({ "reason": "unused", "unused_days": days }),
                ))
                .await?;
                tx.notify_invalidation(&Invalidation::Key(key.id).payload())
                    .await?;
            }
            tx.commit().await?;
            for key in &revoked {
                self.verifier.invalidate(Invalidation::Key(key.id));
                self.metrics.key_revoked();
            }
            total += revoked.len();
            if (revoked.len() as u64) < BATCH {
                return Ok(total);
            }
        }
    }
}
