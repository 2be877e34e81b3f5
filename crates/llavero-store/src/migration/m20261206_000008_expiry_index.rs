//! An index of the keys that expire, for the sweep's expiry notices.
//!
//! The sweep (at start-up and every five minutes, on every replica) asks for
//! live keys whose expiry has passed or is a week away. With no index on
//! `expires_at` that was two full scans of `api_keys`: ~180 ms of
//! PostgreSQL's time each at a million keys (`docs/profile.md`, "Fifth
//! round"). The index is partial — only keys that have an expiry — so a key
//! without one, most of them, costs it nothing, and a key's last-use update
//! (no indexed column changed) stays a HOT update. Both databases use it for
//! `expires_at <= ?`, which implies `expires_at IS NOT NULL`.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared(
                "CREATE INDEX IF NOT EXISTS api_keys_expires_at ON api_keys (expires_at) \
                 WHERE expires_at IS NOT NULL",
            )
            .await
            .map(|_| ())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS api_keys_expires_at")
            .await
            .map(|_| ())
    }
}
