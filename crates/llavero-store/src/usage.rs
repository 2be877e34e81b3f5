//! Queries on a key's use: the batched write of the verifier's buffer, the
//! owner's view of it, and its retention.
//!
//! [`Store::usage_write`] writes one flush in one transaction, with one
//! statement per 500 rows of each kind, never one per use:
//! - last uses: `UPDATE api_keys … FROM (VALUES …)`, never overwriting a
//!   newer use another replica wrote;
//! - per-day counts: `INSERT … ON CONFLICT DO UPDATE` adding to the day's row;
//! - addresses: the same upsert, `RETURNING` each row's count. A row whose
//!   count equals what this flush sent was inserted by it: the address is new
//!   for the key (exactly one replica sees that, whichever inserts the row),
//!   and its `key_new_address` event is written in the same transaction.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use llavero_domain::usage::{first_kept_day, Outcome, ADDRESSES_KEPT, RETENTION_DAYS};
use llavero_types::{ActivityAction, Actor, KeyUsage, UsageAddress, UsageDay, WebhookEventType};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set, Statement, TransactionTrait,
};
use uuid::Uuid;

use crate::activity::fit_detail;
use crate::entity::{activity, api_key, api_key_address, api_key_usage_day};
use crate::webhooks::OutboxEvent;
use crate::{now, Store, StoreError};

/// Rows per statement.
const CHUNK: usize = 500;

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
    /// For the `key_new_address` event: the key's owner and name.
    pub owner: Actor,
    pub key_name: String,
}

/// What one flush wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Written {
    /// Rows written or updated, all kinds together.
    pub rows: usize,
    /// Addresses seen for the first time (one event each).
    pub new_addresses: usize,
}

fn count(n: u64) -> sea_orm::Value {
    i64::try_from(n).unwrap_or(i64::MAX).into()
}

/// `(…)` with `width` placeholders for row `row` of a statement.
fn placeholders(backend: DbBackend, row: usize, width: usize) -> String {
    let marks: Vec<String> = (1..=width)
        .map(|i| match backend {
            DbBackend::Postgres => format!("${}", row * width + i),
            _ => "?".to_owned(),
        })
        .collect();
    format!("({})", marks.join(", "))
}

impl Store {
    /// Writes one flush (see the module docs); all or nothing.
    #[tracing::instrument(skip_all, fields(
        last_uses = batch.last_uses.len(),
        days = batch.days.len(),
        addresses = batch.addresses.len(),
    ))]
    pub async fn usage_write(&self, batch: &UsageBatch) -> Result<Written, StoreError> {
        let backend = self.db.get_database_backend();
        let txn = self.db.begin().await?;
        let mut emitted = false;
        let mut written = Written::default();
        for chunk in batch.last_uses.chunks(CHUNK) {
            let mut rows = Vec::with_capacity(chunk.len());
            let mut values: Vec<sea_orm::Value> = Vec::with_capacity(chunk.len() * 3);
            for (i, (id, at, ip)) in chunk.iter().enumerate() {
                rows.push(match backend {
                    DbBackend::Postgres => format!(
                        "(${}::uuid, ${}::timestamptz, ${}::text)",
                        3 * i + 1,
                        3 * i + 2,
                        3 * i + 3
                    ),
                    _ => "(?, ?, ?)".to_owned(),
                });
                values.extend([(*id).into(), (*at).into(), ip.clone().into()]);
            }
            let sql = format!(
                "UPDATE api_keys SET last_used_at = v.at, last_used_ip = v.ip \
                 FROM (SELECT column1 AS id, column2 AS at, column3 AS ip FROM (VALUES {}) AS t) AS v \
                 WHERE api_keys.id = v.id AND (api_keys.last_used_at IS NULL OR api_keys.last_used_at < v.at)",
                rows.join(", ")
            );
            txn.execute(Statement::from_sql_and_values(backend, sql, values))
                .await?;
            written.rows += chunk.len();
        }
        for chunk in batch.days.chunks(CHUNK) {
            let mut rows = Vec::with_capacity(chunk.len());
            let mut values: Vec<sea_orm::Value> = Vec::with_capacity(chunk.len() * 8);
            for (i, (id, day, counts)) in chunk.iter().enumerate() {
                rows.push(placeholders(backend, i, 8));
                values.push((*id).into());
                values.push((*day).into());
                values.extend(counts.iter().map(|n| count(*n)));
            }
            let sql = format!(
                "INSERT INTO api_key_usage_days (api_key_id, day, uses, refused_revoked, \
                 refused_expired, refused_user_disabled, refused_ip_not_allowed, refused_scope_missing) \
                 VALUES {} ON CONFLICT (api_key_id, day) DO UPDATE SET \
                 uses = api_key_usage_days.uses + excluded.uses, \
                 refused_revoked = api_key_usage_days.refused_revoked + excluded.refused_revoked, \
                 refused_expired = api_key_usage_days.refused_expired + excluded.refused_expired, \
                 refused_user_disabled = api_key_usage_days.refused_user_disabled + excluded.refused_user_disabled, \
                 refused_ip_not_allowed = api_key_usage_days.refused_ip_not_allowed + excluded.refused_ip_not_allowed, \
                 refused_scope_missing = api_key_usage_days.refused_scope_missing + excluded.refused_scope_missing",
                rows.join(", ")
            );
            txn.execute(Statement::from_sql_and_values(backend, sql, values))
                .await?;
            written.rows += chunk.len();
        }
        // Webhook endpoints, read once for every `key.new_address` of this
        // flush (within its transaction, so as current as each event).
        let endpoints = if batch.addresses.is_empty() {
            Vec::new()
        } else {
            crate::webhooks::endpoints(&txn, None).await?
        };
        let (least, greatest) = match backend {
            DbBackend::Postgres => ("LEAST", "GREATEST"),
            _ => ("min", "max"),
        };
        for chunk in batch.addresses.chunks(CHUNK) {
            let mut rows = Vec::with_capacity(chunk.len());
            let mut values: Vec<sea_orm::Value> = Vec::with_capacity(chunk.len() * 5);
            for (i, a) in chunk.iter().enumerate() {
                rows.push(placeholders(backend, i, 5));
                values.extend([
                    a.key_id.into(),
                    a.ip.clone().into(),
                    a.first_seen.into(),
                    a.last_seen.into(),
                    count(a.uses),
                ]);
            }
            let sql = format!(
                "INSERT INTO api_key_addresses (api_key_id, ip, first_seen, last_seen, uses) \
                 VALUES {} ON CONFLICT (api_key_id, ip) DO UPDATE SET \
                 first_seen = {least}(api_key_addresses.first_seen, excluded.first_seen), \
                 last_seen = {greatest}(api_key_addresses.last_seen, excluded.last_seen), \
                 uses = api_key_addresses.uses + excluded.uses \
                 RETURNING api_key_id, ip, uses",
                rows.join(", ")
            );
            let answered = txn
                .query_all(Statement::from_sql_and_values(backend, sql, values))
                .await?;
            let mut inserted = HashSet::new();
            for row in answered {
                let id: Uuid = row.try_get("", "api_key_id")?;
                let ip: String = row.try_get("", "ip")?;
                let uses: i64 = row.try_get("", "uses")?;
                inserted.insert((id, ip, uses));
            }
            let at = now();
            let events: Vec<activity::ActiveModel> = chunk
                .iter()
                .filter(|a| {
                    inserted.contains(&(
                        a.key_id,
                        a.ip.clone(),
                        i64::try_from(a.uses).unwrap_or(i64::MAX),
                    ))
                })
                .map(|a| activity::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    at: Set(at),
                    action: Set(ActivityAction::KeyNewAddress.as_str().to_owned()),
                    actor_id: Set(Some(a.owner.id)),
                    actor_username: Set(Some(a.owner.username.clone())),
                    ip: Set(Some(a.ip.clone())),
                    api_key_id: Set(Some(a.key_id)),
                    target_type: Set(Some("api_key".to_owned())),
                    target_id: Set(Some(a.key_id)),
                    detail: Set(Some(fit_detail(format!("name: {}", a.key_name)))),
                    owner_id: Set(Some(a.owner.id)),
                })
                .collect();
            for a in chunk.iter().filter(|a| {
                inserted.contains(&(
                    a.key_id,
                    a.ip.clone(),
                    i64::try_from(a.uses).unwrap_or(i64::MAX),
                ))
            }) {
                let event = OutboxEvent {
                    kind: WebhookEventType::KeyNewAddress,
                    subject_id: Some(a.key_id),
                    data: serde_json::json!({
                        "api_key_id": a.key_id,
                        "user_id": a.owner.id,
                        "ip": a.ip,
                    }),
                };
                emitted |= crate::webhooks::emit_among(&txn, &event, &endpoints, false)
                    .await?
                    .is_some();
            }
            written.rows += chunk.len();
            written.new_addresses += events.len();
            if !events.is_empty() {
                activity::Entity::insert_many(events)
                    .exec_without_returning(&txn)
                    .await?;
            }
        }
        txn.commit().await?;
        if emitted {
            self.outbox.notify_one();
        }
        Ok(written)
    }

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
