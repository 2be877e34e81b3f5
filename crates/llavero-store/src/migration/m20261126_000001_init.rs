//! The first schema: users, api_keys, sessions, activity.

use sea_orm_migration::prelude::*;

use super::schema::{cascade, index, ts, ts_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    PasswordHash,
    Role,
    Disabled,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    Id,
    UserId,
    Name,
    Hint,
    KeyHash,
    CreatedAt,
    ExpiresAt,
    LastUsedAt,
    LastUsedIp,
    RevokedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    TokenHash,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum Activity {
    Table,
    Id,
    At,
    Action,
    ActorId,
    ActorUsername,
    Ip,
    ApiKeyId,
    TargetType,
    TargetId,
    Detail,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(ColumnDef::new(Users::Id).uuid().not_null().primary_key())
                .col(
                    ColumnDef::new(Users::Username)
                        .string_len(64)
                        .not_null()
                        .unique_key(),
                )
                .col(
                    ColumnDef::new(Users::PasswordHash)
                        .string_len(255)
                        .not_null(),
                )
                .col(ColumnDef::new(Users::Role).string_len(16).not_null())
                .col(
                    ColumnDef::new(Users::Disabled)
                        .boolean()
                        .not_null()
                        .default(false),
                )
                .col(ts(Users::CreatedAt))
                .col(ts(Users::UpdatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ApiKeys::Table)
                .col(ColumnDef::new(ApiKeys::Id).uuid().not_null().primary_key())
                .col(ColumnDef::new(ApiKeys::UserId).uuid().not_null())
                .col(ColumnDef::new(ApiKeys::Name).string_len(400).not_null())
                .col(ColumnDef::new(ApiKeys::Hint).string_len(32).not_null())
                .col(
                    ColumnDef::new(ApiKeys::KeyHash)
                        .string_len(64)
                        .not_null()
                        .unique_key(),
                )
                .col(ts(ApiKeys::CreatedAt))
                .col(ts_null(ApiKeys::ExpiresAt))
                .col(ts_null(ApiKeys::LastUsedAt))
                .col(ColumnDef::new(ApiKeys::LastUsedIp).string_len(64).null())
                .col(ts_null(ApiKeys::RevokedAt))
                .foreign_key(&mut cascade(
                    ApiKeys::Table,
                    ApiKeys::UserId,
                    Users::Table,
                    Users::Id,
                ))
                .to_owned(),
        )
        .await?;
        // Serves "a user's live keys, newest first" (the list screen).
        m.create_index(index(
            "idx_api_keys_user_id_id",
            ApiKeys::Table,
            [ApiKeys::UserId, ApiKeys::Id],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Sessions::Table)
                .col(ColumnDef::new(Sessions::Id).uuid().not_null().primary_key())
                .col(ColumnDef::new(Sessions::UserId).uuid().not_null())
                .col(
                    ColumnDef::new(Sessions::TokenHash)
                        .string_len(64)
                        .not_null()
                        .unique_key(),
                )
                .col(ts(Sessions::CreatedAt))
                .col(ts(Sessions::ExpiresAt))
                .foreign_key(&mut cascade(
                    Sessions::Table,
                    Sessions::UserId,
                    Users::Table,
                    Users::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_sessions_user_id",
            Sessions::Table,
            [Sessions::UserId],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Activity::Table)
                .col(ColumnDef::new(Activity::Id).uuid().not_null().primary_key())
                .col(ts(Activity::At))
                .col(ColumnDef::new(Activity::Action).string_len(32).not_null())
                .col(ColumnDef::new(Activity::ActorId).uuid().null())
                .col(
                    ColumnDef::new(Activity::ActorUsername)
                        .string_len(64)
                        .null(),
                )
                .col(ColumnDef::new(Activity::Ip).string_len(64).null())
                .col(ColumnDef::new(Activity::ApiKeyId).uuid().null())
                .col(ColumnDef::new(Activity::TargetType).string_len(16).null())
                .col(ColumnDef::new(Activity::TargetId).uuid().null())
                .col(ColumnDef::new(Activity::Detail).string_len(400).null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_activity_actor_id_id")
                .table(Activity::Table)
                .col(Activity::ActorId)
                .col(Activity::Id)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Activity::Table.into_iden(),
            Sessions::Table.into_iden(),
            ApiKeys::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
