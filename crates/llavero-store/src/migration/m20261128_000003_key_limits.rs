//! Key limits and rotation: `api_keys.scopes` and `allowed_cidrs` (null:
//! no limit; else names or networks separated by spaces), and the previous
//! secret of a rolled key (`previous_key_hash`, unique, and until when it
//! works, `previous_valid_until`).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    Scopes,
    AllowedCidrs,
    PreviousKeyHash,
    PreviousValidUntil,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one at a time.
        for column in [
            ColumnDef::new(ApiKeys::Scopes).text().null().to_owned(),
            ColumnDef::new(ApiKeys::AllowedCidrs)
                .text()
                .null()
                .to_owned(),
            ColumnDef::new(ApiKeys::PreviousKeyHash)
                .string()
                .null()
                .to_owned(),
            ColumnDef::new(ApiKeys::PreviousValidUntil)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        ] {
            m.alter_table(
                Table::alter()
                    .table(ApiKeys::Table)
                    .add_column(column)
                    .to_owned(),
            )
            .await?;
        }
        // Unique like `key_hash`: a presented secret finds at most one key.
        m.create_index(
            Index::create()
                .name("api_keys_previous_key_hash")
                .table(ApiKeys::Table)
                .col(ApiKeys::PreviousKeyHash)
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("api_keys_previous_key_hash")
                .table(ApiKeys::Table)
                .to_owned(),
        )
        .await?;
        for column in [
            ApiKeys::PreviousValidUntil,
            ApiKeys::PreviousKeyHash,
            ApiKeys::AllowedCidrs,
            ApiKeys::Scopes,
        ] {
            m.alter_table(
                Table::alter()
                    .table(ApiKeys::Table)
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
