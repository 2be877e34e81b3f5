//! Shared rate-limit counters (`throttle`) and session idle tracking
//! (`sessions.last_seen_at`).

use sea_orm_migration::prelude::*;

use super::schema::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Throttle {
    Table,
    Bucket,
    Window,
    Hits,
    PrevHits,
    ExpiresMs,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    LastSeenAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Throttle::Table)
                .col(
                    ColumnDef::new(Throttle::Bucket)
                        .string()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(Throttle::Window).big_integer().not_null())
                .col(ColumnDef::new(Throttle::Hits).big_integer().not_null())
                .col(ColumnDef::new(Throttle::PrevHits).big_integer().not_null())
                .col(ColumnDef::new(Throttle::ExpiresMs).big_integer().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "throttle_expires_ms",
            Throttle::Table,
            [Throttle::ExpiresMs],
        ))
        .await?;
        // Null: not seen since it was created (SQLite cannot add a column
        // with a non-constant default).
        m.alter_table(
            Table::alter()
                .table(Sessions::Table)
                .add_column(
                    ColumnDef::new(Sessions::LastSeenAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Sessions::Table)
                .drop_column(Sessions::LastSeenAt)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(Throttle::Table).to_owned())
            .await
    }
}
