//! Users from the identity provider: `users.oidc_issuer` and
//! `oidc_subject` (both null for a local account), unique together — a
//! provider's user is (issuer, `sub`), never a username or an e-mail, which
//! a provider may reassign. Such a user's `password_hash` is empty: there is
//! no Llavero password to check.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    OidcIssuer,
    OidcSubject,
}

const INDEX: &str = "users_oidc_identity";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one at a time.
        for column in [Users::OidcIssuer, Users::OidcSubject] {
            m.alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(ColumnDef::new(column).text().null())
                    .to_owned(),
            )
            .await?;
        }
        // Nulls are distinct in a unique index (both databases): any number
        // of local accounts, at most one user per provider identity.
        m.create_index(
            Index::create()
                .name(INDEX)
                .table(Users::Table)
                .col(Users::OidcIssuer)
                .col(Users::OidcSubject)
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name(INDEX).table(Users::Table).to_owned())
            .await?;
        for column in [Users::OidcSubject, Users::OidcIssuer] {
            m.alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
