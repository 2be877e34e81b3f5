//! Sending the outbox: claiming due deliveries, recording each attempt,
//! listing an endpoint's deliveries, and purging old events.
//!
//! A claim takes a **lease**: it sets `lease_until` and counts the attempt
//! in one short transaction, then the sender calls out with no database
//! lock held, then records the outcome. On PostgreSQL the claim's
//! `FOR UPDATE SKIP LOCKED` lets replicas claim side by side without ever
//! taking the same row; SQLite has one writer at a time. A replica that
//! dies mid-attempt leaves a lease that runs out, and the delivery is
//! claimed again (at-least-once, with the same `webhook-id`).
//!
//! Order per subject: a delivery is not claimed while an older event about
//! the same key (or user) is still pending for the same endpoint.
//!
//! An endpoint's deliveries come back as the store's own
//! [`DeliveryRecord`]; `llavero-app` turns them into the wire type.

use chrono::{DateTime, Utc};
use llavero_types::{DeliveryStatus, WebhookEventType};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, Statement,
};
use std::collections::HashMap;
use uuid::Uuid;

use crate::entity::{webhook_delivery, webhook_endpoint, webhook_event};
use crate::{now, Page, PageRequest, Store, StoreError};

/// A claimed delivery: everything needed to send it.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: Uuid,
    pub event_id: Uuid,
    /// Attempts so far, this one included.
    pub attempts: u32,
    pub event_created_at: DateTime<Utc>,
    pub payload: String,
    pub url: String,
    /// Hex seed of the endpoint's signing secret.
    pub secret_seed: String,
}

/// A delivery as stored, with its event's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRecord {
    pub id: Uuid,
    pub event_id: Uuid,
    /// The event's type (a name this server does not know reads as a test).
    pub event_type: WebhookEventType,
    pub status: DeliveryStatus,
    pub attempts: u32,
    /// The last attempt's HTTP status, if it got an answer.
    pub response_status: Option<u16>,
    /// Why the last attempt failed.
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// How an attempt ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// A 2xx answer.
    Delivered { status: u16 },
    /// No 2xx; try again at `at`.
    Retry {
        status: Option<u16>,
        error: String,
        at: DateTime<Utc>,
    },
    /// No 2xx and the 24 hours are over.
    Failed { status: Option<u16>, error: String },
}

fn status_of(s: &str) -> DeliveryStatus {
    match s {
        "delivered" => DeliveryStatus::Delivered,
        "failed" => DeliveryStatus::Failed,
        _ => DeliveryStatus::Pending,
    }
}

impl Store {
    /// Claims up to `limit` due deliveries for `lease`.
    #[tracing::instrument(skip(self))]
    pub async fn deliveries_claim(
        &self,
        limit: u64,
        lease: chrono::Duration,
    ) -> Result<Vec<Claimed>, StoreError> {
        let tx = self.begin().await?;
        let at = now();
        let backend = self.db.get_database_backend();
        let (p1, p2, p3, lock) = match backend {
            DbBackend::Postgres => ("$1", "$2", "$3", " FOR UPDATE OF d SKIP LOCKED"),
            _ => ("?", "?", "?", ""),
        };
        let sql = format!(
            "SELECT d.id FROM webhook_deliveries d \
             JOIN webhook_endpoints e ON e.id = d.endpoint_id \
             WHERE d.status = 'pending' AND d.next_attempt_at <= {p1} \
             AND (d.lease_until IS NULL OR d.lease_until < {p2}) AND e.enabled \
             AND NOT EXISTS (SELECT 1 FROM webhook_deliveries o \
               WHERE o.endpoint_id = d.endpoint_id AND o.subject_id = d.subject_id \
               AND o.status = 'pending' AND o.event_id < d.event_id) \
             ORDER BY d.next_attempt_at LIMIT {p3}{lock}"
        );
        let rows = tx
            .txn
            .query_all(Statement::from_sql_and_values(
                backend,
                sql,
                [at.into(), at.into(), (limit as i64).into()],
            ))
            .await?;
        let ids = rows
            .iter()
            .map(|r| r.try_get::<Uuid>("", "id"))
            .collect::<Result<Vec<_>, _>>()?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        webhook_delivery::Entity::update_many()
            .col_expr(
                webhook_delivery::Column::LeaseUntil,
                Expr::value(at + lease),
            )
            .col_expr(
                webhook_delivery::Column::Attempts,
                Expr::col(webhook_delivery::Column::Attempts).add(1),
            )
            .filter(webhook_delivery::Column::Id.is_in(ids.clone()))
            .exec(&tx.txn)
            .await?;
        let deliveries = webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::Id.is_in(ids))
            .all(&tx.txn)
            .await?;
        let events: HashMap<Uuid, webhook_event::Model> = webhook_event::Entity::find()
            .filter(webhook_event::Column::Id.is_in(deliveries.iter().map(|d| d.event_id)))
            .all(&tx.txn)
            .await?
            .into_iter()
            .map(|e| (e.id, e))
            .collect();
        let endpoints: HashMap<Uuid, webhook_endpoint::Model> = webhook_endpoint::Entity::find()
            .filter(webhook_endpoint::Column::Id.is_in(deliveries.iter().map(|d| d.endpoint_id)))
            .all(&tx.txn)
            .await?
            .into_iter()
            .map(|e| (e.id, e))
            .collect();
        tx.commit().await?;
        Ok(deliveries
            .into_iter()
            .filter_map(|d| {
                let event = events.get(&d.event_id)?;
                let endpoint = endpoints.get(&d.endpoint_id)?;
                Some(Claimed {
                    id: d.id,
                    event_id: d.event_id,
                    attempts: u32::try_from(d.attempts).unwrap_or(u32::MAX),
                    event_created_at: event.created_at,
                    payload: event.payload.clone(),
                    url: endpoint.url.clone(),
                    secret_seed: endpoint.secret_seed.clone(),
                })
            })
            .collect())
    }

    /// Records how an attempt of delivery `id` ended, and ends its lease.
    #[tracing::instrument(skip(self))]
    pub async fn delivery_record(&self, id: Uuid, outcome: Outcome) -> Result<(), StoreError> {
        use webhook_delivery::Column as C;
        let code = |s: Option<u16>| Expr::value(s.map(i32::from));
        let cut = |e: String| Expr::value(Some(e.chars().take(200).collect::<String>()));
        let update = webhook_delivery::Entity::update_many()
            .col_expr(C::LeaseUntil, Expr::value(Option::<DateTime<Utc>>::None));
        let update = match outcome {
            Outcome::Delivered { status } => update
                .col_expr(C::Status, Expr::value("delivered"))
                .col_expr(C::ResponseStatus, code(Some(status)))
                .col_expr(C::Error, Expr::value(Option::<String>::None))
                .col_expr(C::NextAttemptAt, Expr::value(Option::<DateTime<Utc>>::None))
                .col_expr(C::DeliveredAt, Expr::value(Some(now()))),
            Outcome::Retry { status, error, at } => update
                .col_expr(C::ResponseStatus, code(status))
                .col_expr(C::Error, cut(error))
                .col_expr(C::NextAttemptAt, Expr::value(Some(at))),
            Outcome::Failed { status, error } => update
                .col_expr(C::Status, Expr::value("failed"))
                .col_expr(C::ResponseStatus, code(status))
                .col_expr(C::Error, cut(error))
                .col_expr(C::NextAttemptAt, Expr::value(Option::<DateTime<Utc>>::None)),
        };
        update
            .filter(C::Id.eq(id))
            .filter(C::Status.eq("pending"))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Endpoint `endpoint_id`'s deliveries, newest first.
    #[tracing::instrument(skip(self))]
    pub async fn webhook_deliveries(
        &self,
        endpoint_id: Uuid,
        page: PageRequest,
    ) -> Result<Page<DeliveryRecord>, StoreError> {
        let mut q = webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::EndpointId.eq(endpoint_id))
            .order_by_desc(webhook_delivery::Column::Id);
        if let Some(after) = page.after {
            q = q.filter(webhook_delivery::Column::Id.lt(after));
        }
        let rows = q.limit(page.limit + 1).all(&self.db).await?;
        let items = self.describe_deliveries(rows).await?;
        Ok(Page::from_rows(items, page.limit, |d: &DeliveryRecord| {
            d.id
        }))
    }

    /// One delivery of endpoint `endpoint_id`.
    #[tracing::instrument(skip(self))]
    pub async fn webhook_delivery(
        &self,
        endpoint_id: Uuid,
        id: Uuid,
    ) -> Result<Option<DeliveryRecord>, StoreError> {
        let rows = webhook_delivery::Entity::find_by_id(id)
            .filter(webhook_delivery::Column::EndpointId.eq(endpoint_id))
            .all(&self.db)
            .await?;
        Ok(self.describe_deliveries(rows).await?.pop())
    }

    async fn describe_deliveries(
        &self,
        rows: Vec<webhook_delivery::Model>,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        let types: HashMap<Uuid, String> = webhook_event::Entity::find()
            .select_only()
            .column(webhook_event::Column::Id)
            .column(webhook_event::Column::EventType)
            .filter(webhook_event::Column::Id.is_in(rows.iter().map(|d| d.event_id)))
            .into_tuple::<(Uuid, String)>()
            .all(&self.db)
            .await?
            .into_iter()
            .collect();
        Ok(rows
            .into_iter()
            .map(|d| DeliveryRecord {
                id: d.id,
                event_id: d.event_id,
                event_type: types
                    .get(&d.event_id)
                    .and_then(|t| WebhookEventType::from_name(t))
                    .unwrap_or(WebhookEventType::WebhookTest),
                status: status_of(&d.status),
                attempts: u32::try_from(d.attempts).unwrap_or(0),
                response_status: d.response_status.and_then(|s| u16::try_from(s).ok()),
                error: d.error,
                created_at: d.created_at,
                next_attempt_at: d.next_attempt_at,
                delivered_at: d.delivered_at,
            })
            .collect())
    }

    /// Deletes events older than `before` that nothing still waits to send
    /// (their deliveries go with them); returns how many.
    #[tracing::instrument(skip(self))]
    pub async fn outbox_purge(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let pending = webhook_delivery::Entity::find()
            .select_only()
            .column(webhook_delivery::Column::EventId)
            .filter(webhook_delivery::Column::Status.eq("pending"))
            .into_query();
        let gone = webhook_event::Entity::delete_many()
            .filter(webhook_event::Column::CreatedAt.lt(before))
            .filter(webhook_event::Column::Id.not_in_subquery(pending))
            .exec(&self.db)
            .await?;
        Ok(gone.rows_affected)
    }
}
