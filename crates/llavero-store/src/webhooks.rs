//! Webhook endpoints, and the outbox every change writes its event to.
//!
//! [`Tx::outbox_emit`] runs inside the change's own transaction: it writes
//! the event (with the exact body every attempt will send) and one pending
//! delivery per enabled endpoint that subscribed to its type. So an event
//! exists if and only if its change committed — a crash after the commit
//! loses nothing (the dispatcher finds the pending rows on start), and a
//! rolled-back change sends nothing. With no endpoint interested, nothing
//! is written.
//!
//! Endpoints come back as the store's own [`EndpointRecord`] (never with
//! their secret's seed); `llavero-app` turns them into the wire type.

use chrono::{DateTime, SecondsFormat, Utc};
use llavero_types::WebhookEventType;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use crate::entity::{webhook_delivery, webhook_endpoint, webhook_event};
use crate::{now, Page, PageRequest, Store, StoreError, Tx};

/// An event to send: its type, the key or user it is about (deliveries
/// about one subject keep their order) and its `data` (ids, never a
/// secret).
#[derive(Debug, Clone)]
pub struct OutboxEvent {
    pub kind: WebhookEventType,
    pub subject_id: Option<Uuid>,
    pub data: serde_json::Value,
}

/// A new endpoint; `secret_seed` is hex of random bytes.
#[derive(Debug, Clone)]
pub struct NewEndpoint {
    pub url: String,
    pub events: Option<Vec<WebhookEventType>>,
    pub secret_seed: String,
}

/// What an update changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct EndpointChanges {
    pub url: Option<String>,
    pub events: Option<Option<Vec<WebhookEventType>>>,
    pub enabled: Option<bool>,
}

fn encode_events(events: &Option<Vec<WebhookEventType>>) -> Option<String> {
    events.as_ref().map(|list| {
        list.iter()
            .map(|t| t.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    })
}

fn decode_events(stored: &Option<String>) -> Option<Vec<WebhookEventType>> {
    stored.as_ref().map(|s| {
        s.split_whitespace()
            .filter_map(WebhookEventType::from_name)
            .collect()
    })
}

/// A webhook endpoint as stored, but its secret's seed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointRecord {
    pub id: Uuid,
    pub url: String,
    /// The event types it wants; `None`: all. (A stored name this server
    /// does not know is left out.)
    pub events: Option<Vec<WebhookEventType>>,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<webhook_endpoint::Model> for EndpointRecord {
    fn from(m: webhook_endpoint::Model) -> Self {
        EndpointRecord {
            events: decode_events(&m.events),
            id: m.id,
            url: m.url,
            enabled: m.enabled,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

impl Store {
    /// Endpoints, newest first.
    #[tracing::instrument(skip(self))]
    pub async fn webhook_list(
        &self,
        page: PageRequest,
    ) -> Result<Page<EndpointRecord>, StoreError> {
        let mut q = webhook_endpoint::Entity::find().order_by_desc(webhook_endpoint::Column::Id);
        if let Some(after) = page.after {
            q = q.filter(webhook_endpoint::Column::Id.lt(after));
        }
        let rows = q.limit(page.limit + 1).all(&self.db).await?;
        let items = rows.into_iter().map(EndpointRecord::from).collect();
        Ok(Page::from_rows(items, page.limit, |e: &EndpointRecord| {
            e.id
        }))
    }

    /// One endpoint.
    #[tracing::instrument(skip(self))]
    pub async fn webhook_get(&self, id: Uuid) -> Result<Option<EndpointRecord>, StoreError> {
        Ok(webhook_endpoint::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .map(EndpointRecord::from))
    }

    /// The notifier a commit with new deliveries wakes.
    pub fn outbox_signal(&self) -> std::sync::Arc<tokio::sync::Notify> {
        self.outbox.clone()
    }
}

impl Tx {
    /// Adds an endpoint.
    #[tracing::instrument(skip(self, new))]
    pub async fn webhook_insert(&self, new: NewEndpoint) -> Result<EndpointRecord, StoreError> {
        let at = now();
        let model = webhook_endpoint::ActiveModel {
            id: Set(Uuid::now_v7()),
            url: Set(new.url),
            events: Set(encode_events(&new.events)),
            enabled: Set(true),
            secret_seed: Set(new.secret_seed),
            created_at: Set(at),
            updated_at: Set(at),
        };
        Ok(model.insert(&self.txn).await?.into())
    }

    /// Applies `changes`; `None` if there is no such endpoint.
    #[tracing::instrument(skip(self, changes))]
    pub async fn webhook_update(
        &self,
        id: Uuid,
        changes: EndpointChanges,
    ) -> Result<Option<EndpointRecord>, StoreError> {
        let Some(current) = webhook_endpoint::Entity::find_by_id(id)
            .one(&self.txn)
            .await?
        else {
            return Ok(None);
        };
        let mut model: webhook_endpoint::ActiveModel = current.into();
        if let Some(url) = changes.url {
            model.url = Set(url);
        }
        if let Some(events) = changes.events {
            model.events = Set(encode_events(&events));
        }
        if let Some(enabled) = changes.enabled {
            model.enabled = Set(enabled);
            if !enabled {
                // What was waiting is not sent later, stale, on re-enabling.
                webhook_delivery::Entity::update_many()
                    .col_expr(webhook_delivery::Column::Status, Expr::value("failed"))
                    .col_expr(
                        webhook_delivery::Column::Error,
                        Expr::value(Some("the endpoint was disabled")),
                    )
                    .col_expr(
                        webhook_delivery::Column::NextAttemptAt,
                        Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
                    )
                    .filter(webhook_delivery::Column::EndpointId.eq(id))
                    .filter(webhook_delivery::Column::Status.eq("pending"))
                    .exec(&self.txn)
                    .await?;
            }
        }
        model.updated_at = Set(now());
        Ok(Some(model.update(&self.txn).await?.into()))
    }

    /// Removes an endpoint and its deliveries; false if there was none.
    #[tracing::instrument(skip(self))]
    pub async fn webhook_delete(&self, id: Uuid) -> Result<bool, StoreError> {
        webhook_delivery::Entity::delete_many()
            .filter(webhook_delivery::Column::EndpointId.eq(id))
            .exec(&self.txn)
            .await?;
        let gone = webhook_endpoint::Entity::delete_by_id(id)
            .exec(&self.txn)
            .await?;
        Ok(gone.rows_affected > 0)
    }

    /// Writes `event` to the outbox for every enabled endpoint that wants
    /// it; returns its id, or `None` when no endpoint does.
    #[tracing::instrument(skip(self, event), fields(kind = event.kind.as_str()))]
    pub async fn outbox_emit(&self, event: OutboxEvent) -> Result<Option<Uuid>, StoreError> {
        let id = emit(&self.txn, &event, None).await?;
        if id.is_some() {
            self.emitted
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(id)
    }

    /// Writes `event` for endpoint `endpoint_id` alone (a test event);
    /// returns the delivery's id, `None` if there is no such endpoint.
    #[tracing::instrument(skip(self, event))]
    pub async fn outbox_emit_to(
        &self,
        endpoint_id: Uuid,
        event: OutboxEvent,
    ) -> Result<Option<Uuid>, StoreError> {
        let Some(event_id) = emit(&self.txn, &event, Some(endpoint_id)).await? else {
            return Ok(None);
        };
        self.emitted
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let delivery = webhook_delivery::Entity::find()
            .select_only()
            .column(webhook_delivery::Column::Id)
            .filter(webhook_delivery::Column::EventId.eq(event_id))
            .into_tuple::<Uuid>()
            .one(&self.txn)
            .await?;
        Ok(delivery)
    }
}

/// The endpoints an event may go to — `only` that one, else every enabled
/// one — with the event types each wants (`None`: all).
pub(crate) async fn endpoints<C: ConnectionTrait>(
    conn: &C,
    only: Option<Uuid>,
) -> Result<Vec<(Uuid, Option<String>)>, StoreError> {
    let mut q = webhook_endpoint::Entity::find()
        .select_only()
        .column(webhook_endpoint::Column::Id)
        .column(webhook_endpoint::Column::Events);
    q = match only {
        Some(id) => q.filter(webhook_endpoint::Column::Id.eq(id)),
        None => q.filter(webhook_endpoint::Column::Enabled.eq(true)),
    };
    Ok(q.into_tuple().all(conn).await?)
}

/// The outbox write, on any connection inside the caller's transaction.
pub(crate) async fn emit<C: ConnectionTrait>(
    conn: &C,
    event: &OutboxEvent,
    only: Option<Uuid>,
) -> Result<Option<Uuid>, StoreError> {
    let known = endpoints(conn, only).await?;
    emit_among(conn, event, &known, only.is_some()).await
}

/// [`emit`] to `known` endpoints (read once by the caller for many events:
/// the verifier's flush writes a `key.new_address` per new address);
/// `forced`: to each of them whatever events it wants (a test event).
pub(crate) async fn emit_among<C: ConnectionTrait>(
    conn: &C,
    event: &OutboxEvent,
    known: &[(Uuid, Option<String>)],
    forced: bool,
) -> Result<Option<Uuid>, StoreError> {
    let targets: Vec<Uuid> = known
        .iter()
        .filter(|(_, events)| {
            forced || decode_events(events).is_none_or(|list| list.contains(&event.kind))
        })
        .map(|(id, _)| *id)
        .collect();
    if targets.is_empty() {
        return Ok(None);
    }
    let id = Uuid::now_v7();
    let at = now();
    let payload = serde_json::json!({
        "type": event.kind.as_str(),
        "timestamp": at.to_rfc3339_opts(SecondsFormat::Micros, true),
        "data": event.data,
    })
    .to_string();
    webhook_event::Entity::insert(webhook_event::ActiveModel {
        id: Set(id),
        event_type: Set(event.kind.as_str().to_owned()),
        subject_id: Set(event.subject_id),
        payload: Set(payload),
        created_at: Set(at),
    })
    .exec_without_returning(conn)
    .await?;
    let deliveries = targets
        .into_iter()
        .map(|endpoint_id| webhook_delivery::ActiveModel {
            id: Set(Uuid::now_v7()),
            event_id: Set(id),
            endpoint_id: Set(endpoint_id),
            subject_id: Set(event.subject_id),
            status: Set("pending".to_owned()),
            attempts: Set(0),
            next_attempt_at: Set(Some(at)),
            lease_until: Set(None),
            response_status: Set(None),
            error: Set(None),
            created_at: Set(at),
            delivered_at: Set(None),
        });
    webhook_delivery::Entity::insert_many(deliveries)
        .exec_without_returning(conn)
        .await?;
    Ok(Some(id))
}
