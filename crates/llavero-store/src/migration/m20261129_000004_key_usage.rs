//! Per-key usage: `api_key_usage_days` (one row per key and UTC day: uses,
//! and refusals by reason) and `api_key_addresses` (one row per key and
//! client address: first and last seen, uses). Both are written only by the
//! verifier's batched flush, one upsert per batch, and pruned to 90 days.

use sea_orm_migration::prelude::*;

use super::schema::{cascade, index, ts};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ApiKeyUsageDays {
    Table,
    ApiKeyId,
    Day,
    Uses,
    RefusedRevoked,
    RefusedExpired,
    RefusedUserDisabled,
    RefusedIpNotAllowed,
    RefusedScopeMissing,
}

#[derive(DeriveIden)]
enum ApiKeyAddresses {
    Table,
    ApiKeyId,
    Ip,
    FirstSeen,
    LastSeen,
    Uses,
}

fn count(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .big_integer()
        .not_null()
        .default(0)
        .to_owned()
}

fn to_key(from: impl IntoTableRef, col: impl IntoIden) -> ForeignKeyCreateStatement {
    cascade(from, col, ApiKeys::Table, ApiKeys::Id)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ApiKeyUsageDays::Table)
                .col(ColumnDef::new(ApiKeyUsageDays::ApiKeyId).uuid().not_null())
                .col(ColumnDef::new(ApiKeyUsageDays::Day).date().not_null())
                .col(count(ApiKeyUsageDays::Uses))
                .col(count(ApiKeyUsageDays::RefusedRevoked))
                .col(count(ApiKeyUsageDays::RefusedExpired))
                .col(count(ApiKeyUsageDays::RefusedUserDisabled))
                .col(count(ApiKeyUsageDays::RefusedIpNotAllowed))
                .col(count(ApiKeyUsageDays::RefusedScopeMissing))
                .primary_key(
                    Index::create()
                        .col(ApiKeyUsageDays::ApiKeyId)
                        .col(ApiKeyUsageDays::Day),
                )
                .foreign_key(&mut to_key(
                    ApiKeyUsageDays::Table,
                    ApiKeyUsageDays::ApiKeyId,
                ))
                .to_owned(),
        )
        .await?;
        // Serves the retention purge (days before the 90th).
        m.create_index(index(
            "api_key_usage_days_day",
            ApiKeyUsageDays::Table,
            [ApiKeyUsageDays::Day],
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(ApiKeyAddresses::Table)
                .col(ColumnDef::new(ApiKeyAddresses::ApiKeyId).uuid().not_null())
                .col(
                    ColumnDef::new(ApiKeyAddresses::Ip)
                        .string_len(64)
                        .not_null(),
                )
                .col(ts(ApiKeyAddresses::FirstSeen))
                .col(ts(ApiKeyAddresses::LastSeen))
                .col(count(ApiKeyAddresses::Uses))
                .primary_key(
                    Index::create()
                        .col(ApiKeyAddresses::ApiKeyId)
                        .col(ApiKeyAddresses::Ip),
                )
                .foreign_key(&mut to_key(
                    ApiKeyAddresses::Table,
                    ApiKeyAddresses::ApiKeyId,
                ))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ApiKeyAddresses::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(ApiKeyUsageDays::Table).to_owned())
            .await
    }
}
