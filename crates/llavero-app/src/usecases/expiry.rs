//! The `key.expiring` (7 days before) and `key.expired` webhook events,
//! each sent once per key (and again if its expiry is changed), from the
//! periodic sweep. Replicas sweeping at once never send one twice (see
//! `llavero_store::expiry`).

use chrono::Duration;
use llavero_store::{now, StoreError};
use llavero_types::WebhookEventType;
use serde_json::json;

use super::{events, Acting};
use crate::App;

/// How long before its expiry a key's `key.expiring` is sent.
pub const WARN_DAYS: i64 = 7;
/// Notices taken per transaction.
const BATCH: u64 = 500;

impl App {
    /// Sends every due expiry event; returns how many.
    #[tracing::instrument(skip(self))]
    pub async fn notify_expiry(&self) -> Result<usize, StoreError> {
        let mut total = 0;
        loop {
            let tx = self.store.begin().await?;
            let due = tx
                .api_key_take_expiry_notices(now(), Duration::days(WARN_DAYS), BATCH)
                .await?;
            for n in &due {
                let kind = if n.expired {
                    WebhookEventType::KeyExpired
                } else {
                    WebhookEventType::KeyExpiring
                };
                tx.outbox_emit(events::key(
                    kind,
                    &Acting::system(),
                    n.user_id,
                    n.id,
                    json!({ "expires_at": n.expires_at }),
                ))
                .await?;
            }
            tx.commit().await?;
            total += due.len();
            if (due.len() as u64) < BATCH {
                return Ok(total);
            }
        }
    }
}
