//! The verifier's flush: one transaction writing every key's use since the
//! last one, with a handful of statements however many keys were used.
//!
//! Rows travel as [`Rows`]: on PostgreSQL one array parameter per column,
//! read back with `UNNEST` — one statement of up to 10,000 rows, parsed and
//! planned once, where a `VALUES` list of 500 rows took 1,500 parameters
//! and a plan of its own (`docs/profile.md`, "The cold path again"). SQLite
//! binds no arrays: the rows go as one JSON text read with `json_each`, so
//! there too the statement's text is the same every flush — a `VALUES` list
//! made a new statement for every row count, each kept in the connection's
//! statement cache (the SQLite server's RSS after the cold runs: 134 MB
//! with them, 83 MB without; `docs/profile.md`, "Memory after the cold run").
//!
//! - last uses: `UPDATE api_keys … FROM` the rows, never overwriting a
//!   newer use another replica wrote;
//! - per-day counts: `INSERT … ON CONFLICT DO UPDATE` adding to the day's row;
//! - addresses: the same upsert, `RETURNING` each row's count. A row whose
//!   count equals what this flush sent was inserted by it: the address is new
//!   for the key (exactly one replica sees that, whichever inserts the row),
//!   and its `key_new_address` event is written in the same transaction, the
//!   owner and the key's name read by the insert itself (the buffer keeps
//!   neither). The keys that gained an address are returned, so that the
//!   sweep checks only those for more addresses than are kept.
//!
//! Every list is sorted by key id first: uuid v7 ids follow creation, so
//! neighbouring rows share pages, and two replicas flushing at once lock
//! rows in the same order.

use std::collections::HashSet;

use llavero_types::{ActivityAction, WebhookEventType};
use sea_orm::sea_query::ArrayType;
use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait, Value};
use uuid::Uuid;

use crate::usage::{UsageBatch, Written};
use crate::webhooks::OutboxEvent;
use crate::{now, Store, StoreError};

/// Rows per statement: a bound on one statement's parameters' size (and so
/// on the flush's peak memory), not a database limit.
pub(crate) const CHUNK: usize = 10_000;

/// Rows to read in a statement as a table `v` with named columns.
pub(crate) struct Rows {
    backend: DbBackend,
    /// Each column's name, PostgreSQL type and array type.
    columns: &'static [(&'static str, &'static str, ArrayType)],
    /// Column by column.
    values: Vec<Vec<Value>>,
}

impl Rows {
    pub(crate) fn new(
        backend: DbBackend,
        columns: &'static [(&'static str, &'static str, ArrayType)],
        len: usize,
    ) -> Self {
        Rows {
            backend,
            columns,
            values: columns.iter().map(|_| Vec::with_capacity(len)).collect(),
        }
    }

    pub(crate) fn push<const N: usize>(&mut self, row: [Value; N]) {
        debug_assert_eq!(N, self.columns.len());
        for (column, value) in self.values.iter_mut().zip(row) {
            column.push(value);
        }
    }

    /// `AS v(…)` source for a `FROM`, and its parameters.
    pub(crate) fn source(self) -> (String, Vec<Value>) {
        let names: Vec<&str> = self.columns.iter().map(|c| c.0).collect();
        match self.backend {
            DbBackend::Postgres => {
                let arrays: Vec<String> = self
                    .columns
                    .iter()
                    .enumerate()
                    .map(|(i, (_, ty, _))| format!("${}::{ty}[]", i + 1))
                    .collect();
                let values = self
                    .values
                    .into_iter()
                    .zip(self.columns)
                    .map(|(column, (_, _, ty))| Value::Array(ty.clone(), Some(Box::new(column))))
                    .collect();
                (
                    format!("UNNEST({}) AS v({})", arrays.join(", "), names.join(", ")),
                    values,
                )
            }
            _ => {
                let rows = self.values.first().map_or(0, Vec::len);
                let mut json = String::with_capacity(rows * 48 * self.columns.len() + 2);
                json.push('[');
                let mut columns: Vec<_> = self.values.into_iter().map(Vec::into_iter).collect();
                for row in 0..rows {
                    json.push_str(if row == 0 { "[" } else { ",[" });
                    for (i, column) in columns.iter_mut().enumerate() {
                        if i > 0 {
                            json.push(',');
                        }
                        push_json(&mut json, column.next());
                    }
                    json.push(']');
                }
                json.push(']');
                let fields: Vec<String> = self
                    .columns
                    .iter()
                    .enumerate()
                    .map(|(i, (name, _, ty))| match ty {
                        ArrayType::Uuid => {
                            format!("unhex(json_extract(value, '$[{i}]')) AS {name}")
                        }
                        _ => format!("json_extract(value, '$[{i}]') AS {name}"),
                    })
                    .collect();
                (
                    format!("(SELECT {} FROM json_each(?)) AS v", fields.join(", ")),
                    vec![json.into()],
                )
            }
        }
    }
}

/// Appends `value` to a JSON row as SQLite stores it when sqlx binds it:
/// a uuid as hex (`unhex` makes it the 16-byte blob), a time as RFC 3339
/// (`SecondsFormat::AutoSi`, so it compares as text with the stored ones),
/// a day as `YYYY-MM-DD`.
fn push_json(out: &mut String, value: Option<Value>) {
    use std::fmt::Write;
    let _ = match value {
        Some(Value::Uuid(Some(id))) => write!(out, "\"{}\"", id.simple()),
        Some(Value::ChronoDateTimeUtc(Some(at))) => write!(
            out,
            "\"{}\"",
            at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
        ),
        Some(Value::ChronoDate(Some(day))) => write!(out, "\"{}\"", day.format("%F")),
        Some(Value::BigInt(Some(n))) => write!(out, "{n}"),
        Some(Value::String(Some(text))) => {
            write!(out, "{}", serde_json::Value::String(*text))
        }
        Some(other) => unreachable!("a usage column of type {other:?} has no JSON form"),
        None => unreachable!("a usage row is one value short"),
    };
}

fn count(n: u64) -> Value {
    i64::try_from(n).unwrap_or(i64::MAX).into()
}

const LAST_USES: &[(&str, &str, ArrayType)] = &[
    ("id", "uuid", ArrayType::Uuid),
    ("at", "timestamptz", ArrayType::ChronoDateTimeUtc),
    // '' for no address: arrays bind no NULL element.
    ("ip", "text", ArrayType::String),
];

const DAYS: &[(&str, &str, ArrayType)] = &[
    ("api_key_id", "uuid", ArrayType::Uuid),
    ("day", "date", ArrayType::ChronoDate),
    ("uses", "bigint", ArrayType::BigInt),
    ("refused_revoked", "bigint", ArrayType::BigInt),
    ("refused_expired", "bigint", ArrayType::BigInt),
    ("refused_user_disabled", "bigint", ArrayType::BigInt),
    ("refused_ip_not_allowed", "bigint", ArrayType::BigInt),
    ("refused_scope_missing", "bigint", ArrayType::BigInt),
];

const ADDRESSES: &[(&str, &str, ArrayType)] = &[
    ("api_key_id", "uuid", ArrayType::Uuid),
    ("ip", "text", ArrayType::String),
    ("first_seen", "timestamptz", ArrayType::ChronoDateTimeUtc),
    ("last_seen", "timestamptz", ArrayType::ChronoDateTimeUtc),
    ("uses", "bigint", ArrayType::BigInt),
];

const EVENTS: &[(&str, &str, ArrayType)] = &[
    ("id", "uuid", ArrayType::Uuid),
    ("at", "timestamptz", ArrayType::ChronoDateTimeUtc),
    ("key_id", "uuid", ArrayType::Uuid),
    ("ip", "text", ArrayType::String),
];

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
        let mut written = Written::default();

        let mut last_uses: Vec<_> = batch.last_uses.iter().collect();
        last_uses.sort_unstable_by_key(|u| u.0);
        for part in last_uses.chunks(CHUNK) {
            let mut rows = Rows::new(backend, LAST_USES, part.len());
            for (id, at, ip) in part {
                rows.push([
                    (*id).into(),
                    (*at).into(),
                    ip.clone().unwrap_or_default().into(),
                ]);
            }
            let (source, values) = rows.source();
            let sql = format!(
                "UPDATE api_keys SET last_used_at = v.at, last_used_ip = NULLIF(v.ip, '') FROM {source} \
                 WHERE api_keys.id = v.id AND (api_keys.last_used_at IS NULL OR api_keys.last_used_at < v.at)"
            );
            txn.execute(Statement::from_sql_and_values(backend, sql, values))
                .await?;
            written.rows += part.len();
        }

        let mut days: Vec<_> = batch.days.iter().collect();
        days.sort_unstable_by_key(|d| (d.0, d.1));
        for part in days.chunks(CHUNK) {
            let mut rows = Rows::new(backend, DAYS, part.len());
            for (id, day, c) in part {
                rows.push([
                    (*id).into(),
                    (*day).into(),
                    count(c[0]),
                    count(c[1]),
                    count(c[2]),
                    count(c[3]),
                    count(c[4]),
                    count(c[5]),
                ]);
            }
            let (source, values) = rows.source();
            let sql = format!(
                "INSERT INTO api_key_usage_days (api_key_id, day, uses, refused_revoked, \
                 refused_expired, refused_user_disabled, refused_ip_not_allowed, refused_scope_missing) \
                 SELECT * FROM {source} WHERE true ON CONFLICT (api_key_id, day) DO UPDATE SET \
                 uses = api_key_usage_days.uses + excluded.uses, \
                 refused_revoked = api_key_usage_days.refused_revoked + excluded.refused_revoked, \
                 refused_expired = api_key_usage_days.refused_expired + excluded.refused_expired, \
                 refused_user_disabled = api_key_usage_days.refused_user_disabled + excluded.refused_user_disabled, \
                 refused_ip_not_allowed = api_key_usage_days.refused_ip_not_allowed + excluded.refused_ip_not_allowed, \
                 refused_scope_missing = api_key_usage_days.refused_scope_missing + excluded.refused_scope_missing"
            );
            txn.execute(Statement::from_sql_and_values(backend, sql, values))
                .await?;
            written.rows += part.len();
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
        let mut emitted = false;
        let mut addresses: Vec<_> = batch.addresses.iter().collect();
        addresses.sort_unstable_by(|a, b| (a.key_id, &a.ip).cmp(&(b.key_id, &b.ip)));
        for part in addresses.chunks(CHUNK) {
            let mut rows = Rows::new(backend, ADDRESSES, part.len());
            for a in part {
                rows.push([
                    a.key_id.into(),
                    a.ip.clone().into(),
                    a.first_seen.into(),
                    a.last_seen.into(),
                    count(a.uses),
                ]);
            }
            let (source, values) = rows.source();
            let sql = format!(
                "INSERT INTO api_key_addresses (api_key_id, ip, first_seen, last_seen, uses) \
                 SELECT * FROM {source} WHERE true ON CONFLICT (api_key_id, ip) DO UPDATE SET \
                 first_seen = {least}(api_key_addresses.first_seen, excluded.first_seen), \
                 last_seen = {greatest}(api_key_addresses.last_seen, excluded.last_seen), \
                 uses = api_key_addresses.uses + excluded.uses \
                 RETURNING api_key_id, ip, uses"
            );
            let answered = txn
                .query_all(Statement::from_sql_and_values(backend, sql, values))
                .await?;
            let mut inserted = HashSet::with_capacity(answered.len());
            for row in answered {
                let id: Uuid = row.try_get("", "api_key_id")?;
                let ip: String = row.try_get("", "ip")?;
                let uses: i64 = row.try_get("", "uses")?;
                inserted.insert((id, ip, uses));
            }
            let new: Vec<_> = part
                .iter()
                .filter(|a| {
                    inserted.contains(&(
                        a.key_id,
                        a.ip.clone(),
                        i64::try_from(a.uses).unwrap_or(i64::MAX),
                    ))
                })
                .collect();
            written.rows += part.len();
            written.new_addresses += new.len();
            written.grown.extend(new.iter().map(|a| a.key_id));
            if new.is_empty() {
                continue;
            }
            let at = now();
            let mut rows = Rows::new(backend, EVENTS, new.len());
            for a in &new {
                rows.push([
                    Uuid::now_v7().into(),
                    at.into(),
                    a.key_id.into(),
                    a.ip.clone().into(),
                ]);
            }
            let (source, values) = rows.source();
            let sql = format!(
                "INSERT INTO activity (id, at, action, actor_id, actor_username, ip, api_key_id, \
                 target_type, target_id, detail, owner_id) \
                 SELECT v.id, v.at, '{action}', k.user_id, u.username, v.ip, k.id, 'api_key', k.id, \
                 'name: ' || k.name, k.user_id \
                 FROM {source} JOIN api_keys k ON k.id = v.key_id JOIN users u ON u.id = k.user_id \
                 RETURNING api_key_id, owner_id, ip",
                action = ActivityAction::KeyNewAddress.as_str()
            );
            let statement = Statement::from_sql_and_values(backend, sql, values);
            if endpoints.is_empty() {
                txn.execute(statement).await?;
                continue;
            }
            for row in txn.query_all(statement).await? {
                let key_id: Uuid = row.try_get("", "api_key_id")?;
                let owner_id: Uuid = row.try_get("", "owner_id")?;
                let ip: String = row.try_get("", "ip")?;
                let event = OutboxEvent {
                    kind: WebhookEventType::KeyNewAddress,
                    subject_id: Some(key_id),
                    data: serde_json::json!({
                        "api_key_id": key_id,
                        "user_id": owner_id,
                        "ip": ip,
                    }),
                };
                emitted |= crate::webhooks::emit_among(&txn, &event, &endpoints, false)
                    .await?
                    .is_some();
            }
        }
        txn.commit().await?;
        // Sorted by key, then address: equal keys are neighbours.
        written.grown.dedup();
        if emitted {
            self.outbox.notify_one();
        }
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone, Utc};

    use super::*;

    /// Each value as sqlx writes it to SQLite (`SecondsFormat::AutoSi` for a
    /// time), so a flushed last use compares as text with a stored one.
    #[test]
    fn json_values_are_written_as_sqlite_stores_them() {
        let at = Utc.with_ymd_and_hms(2026, 11, 29, 9, 44, 41).unwrap()
            + chrono::Duration::microseconds(562_513);
        let id = Uuid::parse_str("01a226ae-d2c6-763c-8df5-a1bed6e3cbad").unwrap();
        let mut out = String::new();
        for value in [
            Value::from(id),
            at.into(),
            NaiveDate::from_ymd_opt(2026, 11, 29).unwrap().into(),
            7i64.into(),
            "a \"quoted\"\nname".to_owned().into(),
        ] {
            push_json(&mut out, Some(value));
            out.push('|');
        }
        assert_eq!(
            out,
            "\"01a226aed2c6763c8df5a1bed6e3cbad\"|\"2026-11-29T09:44:41.562513+00:00\"|\
             \"2026-11-29\"|7|\"a \\\"quoted\\\"\\nname\"|"
        );
    }
}
