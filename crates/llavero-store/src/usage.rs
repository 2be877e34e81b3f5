//! A key's use: what the verifier's buffer hands over at each flush (written
//! by [`crate::usage_write`]), the owner's view of it, and its retention.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use llavero_domain::usage::{first_kept_day, Outcome, ADDRESSES_KEPT, RETENTION_DAYS};
use llavero_types::{KeyUsage, UsageAddress, UsageDay};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
};
use uuid::Uuid;

use crate::entity::{api_key, api_key_address, api_key_usage_day};
use crate::{now, Store, StoreError};

/// A key's count of each [`Outcome`] on one day.
pub type Counts = [u64; 6];

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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Written {
    /// Rows written or updated, all kinds together.
    pub rows: usize,
    /// Addresses seen for the first time (one event each).
    pub new_addresses: usize,
}

impl Store {
    /// The use of `owner_id`'s key `key_id` (live or revoked: someone
    /// trying a revoked key is worth seeing) over the kept days; `None` if
    /// the user has no such key.
    #[tracing::instrument(skip(self))]
    pub async fn api_key_usage(
        &self,
        owner_id: Uuid,
        key_id: Uuid,
    ) -> Result<Option<KeyUsage>, StoreError> {
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
            .map(|m| UsageAddress {
                ip: m.ip,
                first_seen: m.first_seen,
                last_seen: m.last_seen,
                uses: u64::try_from(m.uses).unwrap_or(0),
            })
            .collect();
        Ok(Some(KeyUsage { days, addresses }))
    }

    /// Deletes counts older than the kept days, and addresses not seen
    /// within them or beyond the most recent [`ADDRESSES_KEPT`] of their key.
    /// Idempotent: any replica may run it. Returns the rows deleted.
    #[tracing::instrument(skip(self))]
    pub async fn usage_purge(&self) -> Result<u64, StoreError> {
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
        let backend = self.db.get_database_backend();
        let crowded = self
            .db
            .execute(Statement::from_string(
                backend,
                format!(
                    "DELETE FROM api_key_addresses WHERE (api_key_id, ip) IN (\
                     SELECT api_key_id, ip FROM (SELECT api_key_id, ip, row_number() OVER \
                     (PARTITION BY api_key_id ORDER BY last_seen DESC, ip) AS n \
                     FROM api_key_addresses WHERE api_key_id IN (SELECT api_key_id \
                     FROM api_key_addresses GROUP BY api_key_id HAVING count(*) > {ADDRESSES_KEPT})) AS ranked \
                     WHERE n > {ADDRESSES_KEPT})"
                ),
            ))
            .await?
            .rows_affected();
        Ok(days + old + crowded)
    }
}

fn day_of(m: api_key_usage_day::Model) -> UsageDay {
    let counts = [
        m.uses,
        m.refused_revoked,
        m.refused_expired,
        m.refused_user_disabled,
        m.refused_ip_not_allowed,
        m.refused_scope_missing,
    ];
    let mut refused = BTreeMap::new();
    for outcome in Outcome::ALL {
        let n = u64::try_from(counts[outcome.index()]).unwrap_or(0);
        if let (Some(code), true) = (outcome.code(), n > 0) {
            refused.insert(code.to_owned(), n);
        }
    }
    UsageDay {
        date: m.day,
        uses: u64::try_from(m.uses).unwrap_or(0),
        refused,
    }
}
