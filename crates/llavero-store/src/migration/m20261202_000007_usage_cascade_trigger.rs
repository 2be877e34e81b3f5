//! PostgreSQL: a key's usage rows go with the key through a trigger on
//! `api_keys` instead of foreign keys on `api_key_usage_days` and
//! `api_key_addresses`.
//!
//! A foreign key checks every inserted row with a query of its own that
//! locks the key's row (`SELECT … FOR KEY SHARE`, a tuple lock written to
//! the key's page and to the WAL). Each first use of a key inserts a day and
//! an address, so under a cold load those checks were ~19 % of PostgreSQL's
//! time (`docs/profile.md`, "The cold path, second round"). Nothing in
//! Llavero deletes a key (revoking keeps it, and its usage stays readable);
//! rows are only ever written for a key the verifier has just found. What the
//! foreign keys still gave, their `ON DELETE CASCADE` for an operator who
//! deletes a key or a user by hand, the trigger keeps, at no cost until then.
//!
//! SQLite keeps its foreign keys: its checks are in-process index probes.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &str = "
ALTER TABLE api_key_usage_days DROP CONSTRAINT IF EXISTS api_key_usage_days_api_key_id_fkey;
ALTER TABLE api_key_addresses DROP CONSTRAINT IF EXISTS api_key_addresses_api_key_id_fkey;
CREATE OR REPLACE FUNCTION llavero_api_key_usage_cascade() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM api_key_usage_days WHERE api_key_id = OLD.id;
    DELETE FROM api_key_addresses WHERE api_key_id = OLD.id;
    RETURN OLD;
END $$;
CREATE TRIGGER api_keys_usage_cascade AFTER DELETE ON api_keys
    FOR EACH ROW EXECUTE FUNCTION llavero_api_key_usage_cascade();
";

const DOWN: &str = "
DROP TRIGGER IF EXISTS api_keys_usage_cascade ON api_keys;
DROP FUNCTION IF EXISTS llavero_api_key_usage_cascade();
DELETE FROM api_key_usage_days d WHERE NOT EXISTS (SELECT 1 FROM api_keys k WHERE k.id = d.api_key_id);
DELETE FROM api_key_addresses a WHERE NOT EXISTS (SELECT 1 FROM api_keys k WHERE k.id = a.api_key_id);
ALTER TABLE api_key_usage_days ADD CONSTRAINT api_key_usage_days_api_key_id_fkey
    FOREIGN KEY (api_key_id) REFERENCES api_keys(id) ON DELETE CASCADE;
ALTER TABLE api_key_addresses ADD CONSTRAINT api_key_addresses_api_key_id_fkey
    FOREIGN KEY (api_key_id) REFERENCES api_keys(id) ON DELETE CASCADE;
";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        m.get_connection().execute_unprepared(UP).await.map(|_| ())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        m.get_connection()
            .execute_unprepared(DOWN)
            .await
            .map(|_| ())
    }
}
