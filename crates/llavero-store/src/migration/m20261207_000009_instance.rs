//! `instance`: facts about the installation itself, one row each. The
//! first is the pepper's check value (`crate::instance`), so a replica
//! started with a mistyped `LLAVERO_KEY_PEPPER` stops instead of refusing
//! every key. Expand-only: older releases never read it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared(
                "CREATE TABLE IF NOT EXISTS instance (\
                 name VARCHAR(64) NOT NULL PRIMARY KEY, \
                 value TEXT NOT NULL)",
            )
            .await
            .map(|_| ())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("DROP TABLE IF EXISTS instance")
            .await
            .map(|_| ())
    }
}
