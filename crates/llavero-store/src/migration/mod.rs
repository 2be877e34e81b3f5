//! Schema migrations, applied in order by `llavero migrate` and on `serve`.
//!
//! Written with sea-query's builder so one definition serves SQLite and
//! PostgreSQL. Migrations are append-only: never edit one that has shipped.

use sea_orm_migration::prelude::*;

mod m20261126_000001_init;
mod m20261127_000002_throttle_and_idle;
mod m20261128_000003_key_limits;
mod m20261129_000004_key_usage;
mod m20261130_000005_webhooks;
mod m20261201_000006_oidc_identities;
mod m20261202_000007_usage_cascade_trigger;
mod m20261206_000008_expiry_index;
mod m20261207_000009_instance;
mod schema;

/// The list of migrations, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_init::Migration),
            Box::new(m20261127_000002_throttle_and_idle::Migration),
            Box::new(m20261128_000003_key_limits::Migration),
            Box::new(m20261129_000004_key_usage::Migration),
            Box::new(m20261130_000005_webhooks::Migration),
            Box::new(m20261201_000006_oidc_identities::Migration),
            Box::new(m20261202_000007_usage_cascade_trigger::Migration),
            Box::new(m20261206_000008_expiry_index::Migration),
            Box::new(m20261207_000009_instance::Migration),
        ]
    }
}
