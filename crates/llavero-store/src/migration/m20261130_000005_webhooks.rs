//! Webhooks and leaks:
//! - `webhook_endpoints`: where events are sent (the signing secret is not
//!   stored, only the seed it is derived from with the pepper);
//! - `webhook_events`: the outbox — one row per event, written in the
//!   transaction of the change, with the exact body every attempt sends;
//! - `webhook_deliveries`: one row per event and endpoint, with its state,
//!   attempts, next attempt and a lease (the replica sending it);
//! - `api_keys.expiry_notice`: 0, 1 once `key.expiring` was sent, 2 once
//!   `key.expired` was;
//! - `activity.owner_id`: whose key or account an event is about, so an
//!   owner sees what others (an admin, a leak report, a policy) did to it.

use sea_orm_migration::prelude::*;

use super::schema::{cascade, index, ts};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WebhookEndpoints {
    Table,
    Id,
    Url,
    Events,
    Enabled,
    SecretSeed,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WebhookEvents {
    Table,
    Id,
    EventType,
    SubjectId,
    Payload,
    CreatedAt,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    EventId,
    EndpointId,
    SubjectId,
    Status,
    Attempts,
    NextAttemptAt,
    LeaseUntil,
    ResponseStatus,
    Error,
    CreatedAt,
    DeliveredAt,
}

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    ExpiryNotice,
}

#[derive(DeriveIden)]
enum Activity {
    Table,
    Id,
    OwnerId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(WebhookEndpoints::Table)
                .col(
                    ColumnDef::new(WebhookEndpoints::Id)
                        .uuid()
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(WebhookEndpoints::Url)
                        .string_len(2048)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(WebhookEndpoints::Events)
                        .string_len(1000)
                        .null(),
                )
                .col(
                    ColumnDef::new(WebhookEndpoints::Enabled)
                        .boolean()
                        .not_null()
                        .default(true),
                )
                .col(
                    ColumnDef::new(WebhookEndpoints::SecretSeed)
                        .string_len(64)
                        .not_null(),
                )
                .col(ts(WebhookEndpoints::CreatedAt))
                .col(ts(WebhookEndpoints::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(WebhookEvents::Table)
                .col(
                    ColumnDef::new(WebhookEvents::Id)
                        .uuid()
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(WebhookEvents::EventType)
                        .string_len(40)
                        .not_null(),
                )
                .col(ColumnDef::new(WebhookEvents::SubjectId).uuid().null())
                .col(ColumnDef::new(WebhookEvents::Payload).text().not_null())
                .col(ts(WebhookEvents::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(WebhookDeliveries::Table)
                .col(
                    ColumnDef::new(WebhookDeliveries::Id)
                        .uuid()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(WebhookDeliveries::EventId).uuid().not_null())
                .col(
                    ColumnDef::new(WebhookDeliveries::EndpointId)
                        .uuid()
                        .not_null(),
                )
                .col(ColumnDef::new(WebhookDeliveries::SubjectId).uuid().null())
                .col(
                    ColumnDef::new(WebhookDeliveries::Status)
                        .string_len(10)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(WebhookDeliveries::Attempts)
                        .integer()
                        .not_null()
                        .default(0),
                )
                .col(
                    ColumnDef::new(WebhookDeliveries::NextAttemptAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(
                    ColumnDef::new(WebhookDeliveries::LeaseUntil)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(
                    ColumnDef::new(WebhookDeliveries::ResponseStatus)
                        .integer()
                        .null(),
                )
                .col(
                    ColumnDef::new(WebhookDeliveries::Error)
                        .string_len(200)
                        .null(),
                )
                .col(ts(WebhookDeliveries::CreatedAt))
                .col(
                    ColumnDef::new(WebhookDeliveries::DeliveredAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .foreign_key(&mut cascade(
                    WebhookDeliveries::Table,
                    WebhookDeliveries::EventId,
                    WebhookEvents::Table,
                    WebhookEvents::Id,
                ))
                .foreign_key(&mut cascade(
                    WebhookDeliveries::Table,
                    WebhookDeliveries::EndpointId,
                    WebhookEndpoints::Table,
                    WebhookEndpoints::Id,
                ))
                .to_owned(),
        )
        .await?;
        // The dispatcher's claim: pending deliveries due first.
        m.create_index(index(
            "webhook_deliveries_due",
            WebhookDeliveries::Table,
            [WebhookDeliveries::Status, WebhookDeliveries::NextAttemptAt],
        ))
        .await?;
        // An endpoint's deliveries, newest first; the per-key order check.
        m.create_index(index(
            "webhook_deliveries_endpoint",
            WebhookDeliveries::Table,
            [WebhookDeliveries::EndpointId, WebhookDeliveries::Id],
        ))
        .await?;
        m.create_index(index(
            "webhook_deliveries_event",
            WebhookDeliveries::Table,
            [WebhookDeliveries::EventId],
        ))
        .await?;
        m.create_index(index(
            "webhook_events_created_at",
            WebhookEvents::Table,
            [WebhookEvents::CreatedAt],
        ))
        .await?;
        m.alter_table(
            Table::alter()
                .table(ApiKeys::Table)
                .add_column(
                    ColumnDef::new(ApiKeys::ExpiryNotice)
                        .small_integer()
                        .not_null()
                        .default(0),
                )
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Activity::Table)
                .add_column(ColumnDef::new(Activity::OwnerId).uuid().null())
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "activity_owner_id",
            Activity::Table,
            [Activity::OwnerId, Activity::Id],
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("activity_owner_id")
                .table(Activity::Table)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Activity::Table)
                .drop_column(Activity::OwnerId)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(ApiKeys::Table)
                .drop_column(ApiKeys::ExpiryNotice)
                .to_owned(),
        )
        .await?;
        for t in [
            WebhookDeliveries::Table.into_iden(),
            WebhookEvents::Table.into_iden(),
            WebhookEndpoints::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
