//! Managing webhook endpoints (admins): add one (its signing secret is
//! returned once), change its URL, events or state, remove it, send it a
//! test event. Each change is recorded in the activity log with the URL's
//! host only — a receiver's URL may itself carry a token.

use llavero_domain::webhook::{format_secret, WebhookUrl};
use llavero_domain::{random, Secret};
use llavero_store::webhooks::{EndpointChanges, NewEndpoint, OutboxEvent};
use llavero_store::StoreError;
use llavero_types::{ActivityAction, WebhookEndpoint, WebhookEventType};
use serde_json::json;
use uuid::Uuid;

use super::Acting;
use crate::wire::ToWire;
use crate::App;

/// Why a webhook change failed.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("no such webhook")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the system's random source failed: {0}")]
    Random(#[from] random::RandomError),
}

fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default()
}

fn describe(events: &Option<Vec<WebhookEventType>>) -> String {
    match events {
        None => "every event".to_owned(),
        Some(list) => list
            .iter()
            .map(|t| t.as_str())
            .collect::<Vec<_>>()
            .join(" "),
    }
}

impl App {
    /// Adds an endpoint; returns it with its secret (`whsec_…`), this once.
    #[tracing::instrument(skip(self, acting, url), fields(host = %url.host))]
    pub async fn create_webhook(
        &self,
        acting: &Acting,
        url: WebhookUrl,
        events: Option<Vec<WebhookEventType>>,
    ) -> Result<(WebhookEndpoint, Secret<String>), WebhookError> {
        let seed = random::bytes::<24>()?;
        let secret = self.pepper.webhook_secret(&seed);
        let tx = self.store.begin().await?;
        let endpoint = tx
            .webhook_insert(NewEndpoint {
                url: url.url,
                events,
                secret_seed: hex_of(&seed),
            })
            .await?;
        tx.activity_record(acting.event(
            ActivityAction::WebhookCreated,
            Some(("webhook", endpoint.id)),
            Some(format!(
                "host: {}, events: {}",
                url.host,
                describe(&endpoint.events)
            )),
        ))
        .await?;
        tx.commit().await?;
        Ok((
            endpoint.to_wire(),
            Secret::new(format_secret(secret.expose())),
        ))
    }

    /// Applies `changes` to endpoint `id`.
    #[tracing::instrument(skip(self, acting, changes))]
    pub async fn update_webhook(
        &self,
        acting: &Acting,
        id: Uuid,
        changes: EndpointChanges,
    ) -> Result<WebhookEndpoint, WebhookError> {
        let mut what = Vec::new();
        if let Some(url) = &changes.url {
            what.push(format!("host: {}", host_of(url)));
        }
        if let Some(events) = &changes.events {
            what.push(format!("events: {}", describe(events)));
        }
        if let Some(enabled) = changes.enabled {
            what.push(format!("enabled: {enabled}"));
        }
        let tx = self.store.begin().await?;
        let endpoint = tx
            .webhook_update(id, changes)
            .await?
            .ok_or(WebhookError::NotFound)?;
        tx.activity_record(acting.event(
            ActivityAction::WebhookUpdated,
            Some(("webhook", id)),
            Some(what.join(", ")),
        ))
        .await?;
        tx.commit().await?;
        Ok(endpoint.to_wire())
    }

    /// Removes endpoint `id` and its deliveries.
    #[tracing::instrument(skip(self, acting))]
    pub async fn delete_webhook(&self, acting: &Acting, id: Uuid) -> Result<(), WebhookError> {
        let tx = self.store.begin().await?;
        let url = self
            .store
            .webhook_get(id)
            .await?
            .ok_or(WebhookError::NotFound)?
            .url;
        if !tx.webhook_delete(id).await? {
            return Err(WebhookError::NotFound);
        }
        tx.activity_record(acting.event(
            ActivityAction::WebhookDeleted,
            Some(("webhook", id)),
            Some(format!("host: {}", host_of(&url))),
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Queues a `webhook.test` event for endpoint `id`; returns the delivery.
    #[tracing::instrument(skip(self, acting))]
    pub async fn test_webhook(&self, acting: &Acting, id: Uuid) -> Result<Uuid, WebhookError> {
        let tx = self.store.begin().await?;
        let delivery = tx
            .outbox_emit_to(
                id,
                OutboxEvent {
                    kind: WebhookEventType::WebhookTest,
                    subject_id: None,
                    data: json!({
                        "webhook_id": id,
                        "actor_id": acting.actor.as_ref().map(|a| a.id),
                    }),
                },
            )
            .await?
            .ok_or(WebhookError::NotFound)?;
        tx.commit().await?;
        Ok(delivery)
    }
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
