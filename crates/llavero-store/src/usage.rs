//! A key's use: what the verifier's buffer hands over at each flush (written
//! by [`crate::usage_write`]), the owner's view of it, and its retention:
//! [`RETENTION_DAYS`], and a key's [`ADDRESSES_KEPT`] most recent addresses.
//!
//! The owner's view comes back as the store's own [`KeyUsageRecord`]: each
//! day's [`Counts`] as stored, by outcome; `llavero-app` names the refusals
//! for the wire.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use llavero_domain::usage::{first_kept_day, ADDRESSES_KEPT, RETENTION_DAYS};
use sea_orm::sea_query::ArrayType;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
};
use uuid::Uuid;

use crate::entity::{api_key, api_key_address, api_key_usage_day};
use crate::usage_write::{Rows, CHUNK};
use crate::{now, Store, StoreError};

/// A key's count of each [`Outcome`] on one day, at [`Outcome::index`].
///
/// [`Outcome`]: llavero_domain::usage::Outcome
/// [`Outcome::index`]: llavero_domain::usage::Outcome::index
pub type Counts = [u64; 6];

/// A key's use over the kept days: its days, newest first, and its most
/// recent addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyUsageRecord {
    pub days: Vec<UsageDayRow>,
    pub addresses: Vec<UsageAddressRow>,
}

/// One UTC day of a key's use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageDayRow {
    pub day: NaiveDate,
    pub counts: Counts,
}

/// Successful uses of a key from one address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageAddressRow {
    pub ip: String,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub uses: u64,
}

/// One flush of the usage buffer.
#[derive(Debug, Clone, Default)]
pub struct UsageBatch {
    /// Each key's latest successful use: when, and from which address.
    pub last_uses: Vec<(Uuid, DateTime<Utc>, Option<String>)>,
    /// Counts by key and UTC day.
    pub days: Vec<(Uuid, NaiveDate, Counts)>,
    /// Successful uses by key and client address.
    pub addresses: Vec<AddressUse>,
}

/// Successful uses of one key from one address within a flush.
#[derive(Debug, Clone)]
pub struct AddressUse {
    pub key_id: Uuid,
    pub ip: String,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub uses: u64,
}

/// What one flush wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Written {
    /// Rows written or updated, all kinds together.
    pub rows: usize,
    /// Addresses seen for the first time (one event each).
    pub new_addresses: usize,
    /// The keys those addresses are of, sorted, each once: the only keys
    /// this flush may have left with more than [`ADDRESSES_KEPT`].
    pub grown: Vec<Uuid>,
}

/// The keys whose addresses [`Store::usage_purge_crowded`] counts.
#[derive(Debug, Clone, Copy)]
pub enum KeysToCheck<'a> {
    /// Every key: a `GROUP BY` of every address row.
    All,
    /// Only these, each through the primary key's index.
    These(&'a [Uuid]),
}

const KEYS: &[(&str, &str, ArrayType)] = &[("id", "uuid", ArrayType::Uuid)];

impl Store {
    /// The use of `owner_id`'s key `key_id` (live or revoked: someone
    /// trying a revoked key is worth seeing) over the kept days; `None` if
    /// the user has no such key.
    #[tracing::instrument(skip(self))]
    pub async fn api_key_usage(
        &self,
        owner_id: Uuid,
        key_id: Uuid,
    ) -> Result<Option<KeyUsageRecord>, StoreError> {
        let owned = api_key::Entity::find_by_id(key_id)
            .filter(api_key::Column::UserId.eq(owner_id))
            .select_only()
            .column(api_key::Column::Id)
            .into_tuple::<Uuid>()
            .one(&self.db)
            .await?;
        if owned.is_none() {
            return Ok(None);
        }
        let days = api_key_usage_day::Entity::find()
            .filter(api_key_usage_day::Column::ApiKeyId.eq(key_id))
            .filter(api_key_usage_day::Column::Day.gte(first_kept_day(now())))
            .order_by_desc(api_key_usage_day::Column::Day)
            .all(&self.db)
            .await?
            .into_iter()
            .map(day_of)
            .collect();
        let addresses = api_key_address::Entity::find()
            .filter(api_key_address::Column::ApiKeyId.eq(key_id))
            .order_by_desc(api_key_address::Column::LastSeen)
            .order_by_asc(api_key_address::Column::Ip)
            .limit(ADDRESSES_KEPT as u64)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|m| UsageAddressRow {
                ip: m.ip,
                first_seen: m.first_seen,
                last_seen: m.last_seen,
                uses: u64::try_from(m.uses).unwrap_or(0),
            })
            .collect();
        Ok(Some(KeyUsageRecord { days, addresses }))
    }

    /// Deletes counts older than the kept days, addresses not seen within
    /// them, and addresses beyond the most recent [`ADDRESSES_KEPT`] of
    /// any key: [`Self::usage_purge_old`] and
    /// [`Self::usage_purge_crowded`] over every key. Idempotent: any replica
    /// may run it. Returns the rows deleted.
    pub async fn usage_purge(&self) -> Result<u64, StoreError> {
        Ok(self.usage_purge_old().await? + self.usage_purge_crowded(KeysToCheck::All).await?)
    }

    /// Deletes counts older than the kept days, and addresses not seen
    /// within them. The addresses' part reads every address row: an index
    /// on their last sighting would be written at every flush, so the sweep
    /// runs this seldom (a day's precision is plenty for 90 days).
    #[tracing::instrument(skip(self))]
    pub async fn usage_purge_old(&self) -> Result<u64, StoreError> {
        let at = now();
        let days = api_key_usage_day::Entity::delete_many()
            .filter(api_key_usage_day::Column::Day.lt(first_kept_day(at)))
            .exec(&self.db)
            .await?
            .rows_affected;
        let old = api_key_address::Entity::delete_many()
            .filter(api_key_address::Column::LastSeen.lt(at - Duration::days(RETENTION_DAYS)))
            .exec(&self.db)
            .await?
            .rows_affected;
        Ok(days + old)
    }

    /// Deletes the addresses of `keys` beyond the most recent
    /// [`ADDRESSES_KEPT`] of their key, in two steps: the keys past it (an
    /// index search a key listed, or one pass over every address row), then
    /// the surplus of those few. As one statement, PostgreSQL planned the
    /// delete for as many keys as were listed: at 16,384 listed keys of
    /// 295,000 address rows it read the whole table twice (188 ms), where
    /// the two steps search the index (~100 ms, then ~0.2 ms a crowded
    /// key; `docs/profile.md`, "Eighth round"). Idempotent. Returns the
    /// rows deleted.
    #[tracing::instrument(skip_all, fields(keys = match keys {
        KeysToCheck::All => None,
        KeysToCheck::These(k) => Some(k.len()),
    }))]
    pub async fn usage_purge_crowded(&self, keys: KeysToCheck<'_>) -> Result<u64, StoreError> {
        let backend = self.db.get_database_backend();
        let mut crowded: Vec<Uuid> = Vec::new();
        let mut read = |rows: Vec<sea_orm::QueryResult>| -> Result<(), StoreError> {
            for row in rows {
                crowded.push(row.try_get("", "api_key_id")?);
            }
            Ok(())
        };
        match keys {
            KeysToCheck::All => {
                let sql = crowded_sql(None);
                read(
                    self.db
                        .query_all(Statement::from_string(backend, sql))
                        .await?,
                )?;
            }
            KeysToCheck::These(keys) => {
                for part in keys.chunks(CHUNK) {
                    let (source, values) = key_rows(backend, part);
                    let sql = crowded_sql(Some(&source));
                    read(
                        self.db
                            .query_all(Statement::from_sql_and_values(backend, sql, values))
                            .await?,
                    )?;
                }
            }
        }
        let mut deleted = 0;
        for part in crowded.chunks(CROWDED_CHUNK) {
            let (source, values) = key_rows(backend, part);
            let sql = surplus_sql(&source);
            deleted += self
                .db
                .execute(Statement::from_sql_and_values(backend, sql, values))
                .await?
                .rows_affected();
        }
        Ok(deleted)
    }
}

/// Crowded keys whose surplus one statement deletes: ~60 rows each read
/// and ranked, so a few hundred keep the statement's plan on the index.
const CROWDED_CHUNK: usize = 500;

/// The keys with more than [`ADDRESSES_KEPT`] addresses, among those of
/// `source` (a table `v(id)`) or among all.
fn crowded_sql(source: Option<&str>) -> String {
    let scope = source.map_or(String::new(), |source| {
        format!("WHERE api_key_id IN (SELECT v.id FROM {source})")
    });
    format!(
        "SELECT api_key_id FROM api_key_addresses {scope} \
         GROUP BY api_key_id HAVING count(*) > {ADDRESSES_KEPT}"
    )
}

/// Deletes the addresses of the keys of `source` (a table `v(id)`) beyond
/// the most recent [`ADDRESSES_KEPT`] of each.
fn surplus_sql(source: &str) -> String {
    format!(
        "DELETE FROM api_key_addresses WHERE (api_key_id, ip) IN (\
         SELECT api_key_id, ip FROM (SELECT api_key_id, ip, row_number() OVER \
         (PARTITION BY api_key_id ORDER BY last_seen DESC, ip) AS n \
         FROM api_key_addresses WHERE api_key_id IN (SELECT v.id FROM {source})) AS ranked \
         WHERE n > {ADDRESSES_KEPT})"
    )
}

/// `keys` as a table `v(id)` for a statement, and its parameters.
fn key_rows(backend: sea_orm::DbBackend, keys: &[Uuid]) -> (String, Vec<sea_orm::Value>) {
    let mut rows = Rows::new(backend, KEYS, keys.len());
    for id in keys {
        rows.push([(*id).into()]);
    }
    rows.source()
}

fn day_of(m: api_key_usage_day::Model) -> UsageDayRow {
    let stored = [
        m.uses,
        m.refused_revoked,
        m.refused_expired,
        m.refused_user_disabled,
        m.refused_ip_not_allowed,
        m.refused_scope_missing,
    ];
    // In Outcome::ALL's order, as the flush writes them.
    UsageDayRow {
        day: m.day,
        counts: stored.map(|n| u64::try_from(n).unwrap_or(0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;

    /// On SQLite both steps of a purge of listed keys search the address
    /// table's primary key, whatever it holds: neither scans it.
    #[tokio::test]
    async fn the_purge_of_listed_keys_searches_the_index_on_sqlite() {
        let scratch = testing::sqlite().await;
        let (source, values) = key_rows(
            sea_orm::DbBackend::Sqlite,
            &[Uuid::now_v7(), Uuid::now_v7()],
        );
        for sql in [crowded_sql(Some(&source)), surplus_sql(&source)] {
            let plan = testing::sqlite_plan(&scratch.store, &sql, values.clone()).await;
            assert!(
                plan.iter()
                    .any(|l| l.starts_with("SEARCH api_key_addresses USING")),
                "{plan:#?}"
            );
            assert!(
                !plan.iter().any(|l| l.starts_with("SCAN api_key_addresses")),
                "{plan:#?}"
            );
        }
        scratch.finish().await;
    }
}
