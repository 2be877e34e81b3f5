//! Queries on `api_keys`.
//!
//! Keys are found by their HMAC digest (unique index) for authentication, and
//! by `(user_id, id)` for everything an owner does, so another user's key is
//! simply "not found". Revocation sets `revoked_at`; revoked rows vanish from
//! every owner-facing query but stay for `verify` to answer REVOKED.
//!
//! A roll moves the current digest to `previous_key_hash` (with the end of
//! its grace period) and stores the new one, in one statement; a lookup
//! finds a key by either digest and says which one matched.
//!
//! Keys come back as the store's own [`ApiKeyRow`] (in `row`), lookups as
//! [`KeyLookup`]; `llavero-app` turns them into wire types.

mod row;

pub use row::ApiKeyRow;

use chrono::{DateTime, Utc};
use llavero_domain::{Cidrs, KeyHash, KeyLimits, Scopes};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, QueryFilter,
    QueryResult, QuerySelect, Set, Statement,
};
use uuid::Uuid;

use crate::columns;
use crate::entity::api_key;
use crate::users::{owner_columns, owner_read, UserRow};
use crate::{conflict_or, now, Backend, Page, PageRequest, Store, StoreError, Tx};
use row::listed_columns;

/// A list page's statement: [`ApiKeyRow`]'s columns of a user's live keys,
/// newest first, optionally after a cursor. Written out once rather than
/// built per request; its parameters are the user, the cursor (when
/// `after`), then the row limit.
fn list_sql(backend: DbBackend, after: bool) -> &'static str {
    macro_rules! listed {
        ($rest:literal) => {
            concat!(
                "SELECT ",
                listed_columns!(),
                r#" FROM "api_keys" WHERE "revoked_at" IS NULL AND "user_id" = "#,
                $rest
            )
        };
    }
    match (backend, after) {
        (DbBackend::Postgres, false) => listed!(r#"$1 ORDER BY "id" DESC LIMIT $2"#),
        (DbBackend::Postgres, true) => listed!(r#"$1 AND "id" < $2 ORDER BY "id" DESC LIMIT $3"#),
        (_, false) => listed!(r#"? ORDER BY "id" DESC LIMIT ?"#),
        (_, true) => listed!(r#"? AND "id" < ? ORDER BY "id" DESC LIMIT ?"#),
    }
}

/// A new key's stored parts (never the key itself).
#[derive(Debug, Clone)]
pub struct NewApiKey<'a> {
    pub user_id: Uuid,
    pub name: &'a str,
    pub hint: &'a str,
    pub hash: KeyHash,
    pub expires_at: Option<DateTime<Utc>>,
    pub scopes: &'a Scopes,
    pub cidrs: &'a Cidrs,
}

/// A key found by digest, with its owner, whatever its state. (The owner's
/// password hash is left out: nothing on the key path needs it, and the
/// verification cache keeps what is made of these.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyLookup {
    /// The key, its scopes and networks parsed once for every check.
    pub key: ApiKeyRow,
    pub revoked: bool,
    pub owner: UserRow,
    /// Set when the digest is the secret a roll replaced: it works until
    /// this instant.
    pub superseded_until: Option<DateTime<Utc>>,
}

/// The lookup: every column of the keys with either digest in a list, then
/// their owners' (read by [`lookup_read`]). Its two parameters are the same
/// list: a comma-separated string on PostgreSQL, a JSON array on SQLite.
/// Written out once rather than built per request, and read by column
/// position (`columns`).
///
/// PostgreSQL combines the two unique indexes of an OR (BitmapOr). SQLite
/// does not: its statistics see `previous_key_hash` as one value (NULL) on
/// nearly every row, so it scanned the table for the OR, and for a plain
/// UNION too (cold lookups at 100k keys fell from 20.5k to 1.5k a second).
/// On SQLite, then: a UNION of two searches, the second told its index.
fn lookup_sql(backend: DbBackend) -> &'static str {
    macro_rules! lookup {
        ($condition:literal) => {
            concat!(
                r#"SELECT "api_keys"."key_hash", "api_keys"."previous_key_hash", "api_keys"."revoked_at", "#,
                listed_columns!(),
                ", ",
                owner_columns!(),
                r#" FROM "api_keys" JOIN "users" ON "users"."id" = "api_keys"."user_id" WHERE "#,
                $condition
            )
        };
    }
    match backend {
        DbBackend::Postgres => lookup!(
            r#""api_keys"."key_hash" = ANY(string_to_array($1, ',')) OR "api_keys"."previous_key_hash" = ANY(string_to_array($2, ','))"#
        ),
        _ => lookup!(
            r#""api_keys"."id" IN (SELECT k."id" FROM "api_keys" AS k WHERE k."key_hash" IN (SELECT value FROM json_each(?)) UNION ALL SELECT k."id" FROM "api_keys" AS k INDEXED BY "api_keys_previous_key_hash" WHERE k."previous_key_hash" IN (SELECT value FROM json_each(?)))"#
        ),
    }
}

/// A row of [`lookup_sql`]: the key's digests and revocation, the key, its
/// owner.
struct LookupRow {
    key_hash: String,
    previous_key_hash: Option<String>,
    revoked: bool,
    key: ApiKeyRow,
    owner: UserRow,
}

fn lookup_read(row: &QueryResult) -> Result<LookupRow, DbErr> {
    Ok(LookupRow {
        key_hash: columns::get(row, 0)?,
        previous_key_hash: columns::get(row, 1)?,
        revoked: columns::get::<Option<DateTime<Utc>>>(row, 2)?.is_some(),
        key: ApiKeyRow::read(row, 3)?,
        owner: owner_read(row, 13)?,
    })
}

fn live_key_of(user_id: Uuid, id: Uuid) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(api_key::Column::Id.eq(id))
        .add(api_key::Column::UserId.eq(user_id))
        .add(api_key::Column::RevokedAt.is_null())
}

impl Store {
    /// Stores many keys of one user at once (benchmark seeding).
    pub async fn api_key_insert_many(
        &self,
        user_id: Uuid,
        name: &str,
        keys: &[(String, KeyHash)],
    ) -> Result<(), StoreError> {
        let at = now();
        let rows = keys.iter().map(|(hint, hash)| api_key::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(user_id),
            name: Set(name.to_owned()),
            hint: Set(hint.clone()),
            key_hash: Set(hash.to_hex()),
            created_at: Set(at),
            expires_at: Set(None),
            last_used_at: Set(None),
            last_used_ip: Set(None),
            revoked_at: Set(None),
            scopes: Set(None),
            allowed_cidrs: Set(None),
            previous_key_hash: Set(None),
            previous_valid_until: Set(None),
            expiry_notice: Set(0),
        });
        api_key::Entity::insert_many(rows)
            .exec_without_returning(&self.db)
            .await?;
        Ok(())
    }

    /// A user's live keys, newest first.
    #[tracing::instrument(skip(self))]
    pub async fn api_key_list(
        &self,
        user_id: Uuid,
        page: PageRequest,
    ) -> Result<Page<ApiKeyRow>, StoreError> {
        let backend = self.db.get_database_backend();
        let mut values: Vec<sea_orm::Value> = vec![user_id.into()];
        values.extend(page.after.map(Into::into));
        values.push(i64::try_from(page.limit + 1).unwrap_or(i64::MAX).into());
        let sql = list_sql(backend, page.after.is_some());
        let keys =
            ApiKeyRow::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
                .all(&self.db)
                .await?;
        Ok(Page::from_rows(keys, page.limit, |k: &ApiKeyRow| k.id))
    }

    /// One live key of `user_id`.
    #[tracing::instrument(skip(self))]
    pub async fn api_key_get(
        &self,
        user_id: Uuid,
        id: Uuid,
    ) -> Result<Option<ApiKeyRow>, StoreError> {
        let row = api_key::Entity::find()
            .filter(live_key_of(user_id, id))
            .one(&self.db)
            .await?;
        Ok(row.map(Into::into))
    }

    /// The keys with these digests (current or previous) and their owners,
    /// revoked or not, in one query: each found key comes back beside the
    /// digest that found it; unknown digests are simply absent.
    ///
    /// The digests travel as one parameter (a comma-separated list on
    /// PostgreSQL, a JSON array on SQLite), so every batch size shares one
    /// prepared statement. Each condition uses its backend's own placeholder;
    /// each digest column has its own unique index, and each backend's form
    /// of the condition searches both (`docs/profile.md`).
    #[tracing::instrument(skip_all, fields(count = hashes.len()))]
    pub async fn api_key_lookup_many(
        &self,
        hashes: &[KeyHash],
    ) -> Result<Vec<(KeyHash, KeyLookup)>, StoreError> {
        if hashes.is_empty() {
            return Ok(Vec::new());
        }
        let hex: Vec<String> = hashes.iter().map(KeyHash::to_hex).collect();
        let backend = self.db.get_database_backend();
        let list = match backend {
            DbBackend::Postgres => hex.join(","),
            // Hex digits need no escaping inside JSON strings.
            _ => format!("[\"{}\"]", hex.join("\",\"")),
        };
        let sql = lookup_sql(backend);
        let rows = self
            .db
            .query_all(Statement::from_sql_and_values(
                backend,
                sql,
                [list.clone().into(), list.into()],
            ))
            .await?;
        let mut found = Vec::with_capacity(rows.len());
        for row in &rows {
            let row = lookup_read(row)?;
            let current = KeyHash::from_hex(&row.key_hash).filter(|h| hashes.contains(h));
            let previous = row
                .previous_key_hash
                .as_deref()
                .and_then(KeyHash::from_hex)
                .filter(|h| hashes.contains(h))
                .zip(row.key.previous_valid_until);
            let lookup = KeyLookup {
                revoked: row.revoked,
                key: row.key,
                superseded_until: None,
                owner: row.owner,
            };
            if let Some((hash, until)) = previous {
                found.push((
                    hash,
                    KeyLookup {
                        superseded_until: Some(until),
                        ..lookup.clone()
                    },
                ));
            }
            if let Some(hash) = current {
                found.push((hash, lookup));
            }
        }
        Ok(found)
    }
}

impl Tx {
    /// Stores a new key.
    #[tracing::instrument(skip(self, new), fields(user_id = %new.user_id))]
    pub async fn api_key_insert(&self, new: NewApiKey<'_>) -> Result<ApiKeyRow, StoreError> {
        let am = api_key::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(new.user_id),
            name: Set(new.name.to_owned()),
            hint: Set(new.hint.to_owned()),
            key_hash: Set(new.hash.to_hex()),
            created_at: Set(now()),
            expires_at: Set(new.expires_at),
            last_used_at: Set(None),
            last_used_ip: Set(None),
            revoked_at: Set(None),
            scopes: Set(new.scopes.to_stored()),
            allowed_cidrs: Set(new.cidrs.to_stored()),
            previous_key_hash: Set(None),
            previous_valid_until: Set(None),
            expiry_notice: Set(0),
        };
        // A digest collision would need a 178-bit secret to repeat: report it
        // as a conflict rather than overwrite anything.
        let row = api_key::Entity::insert(am)
            .exec_with_returning(&self.txn)
            .await
            .map_err(|e| conflict_or(e, "key digest already exists"))?;
        Ok(row.into())
    }

    /// The live key `id` of `user_id`, locked until the transaction ends (so
    /// of two concurrent changes to it, the second sees the first's result);
    /// `None` if there is no such live key.
    #[tracing::instrument(skip(self))]
    pub async fn api_key_lock(
        &self,
        user_id: Uuid,
        id: Uuid,
    ) -> Result<Option<ApiKeyRow>, StoreError> {
        let mut q = api_key::Entity::find().filter(live_key_of(user_id, id));
        if self.backend == Backend::Postgres {
            q = q.lock_exclusive();
        }
        Ok(q.one(&self.txn).await?.map(Into::into))
    }

    /// Renames key `id` (lock it first with [`Tx::api_key_lock`]).
    #[tracing::instrument(skip(self))]
    pub async fn api_key_set_name(&self, id: Uuid, name: &str) -> Result<(), StoreError> {
        api_key::Entity::update_many()
            .col_expr(api_key::Column::Name, Expr::value(name))
            .filter(api_key::Column::Id.eq(id))
            .exec(&self.txn)
            .await?;
        Ok(())
    }

    /// Marks key `id` revoked (lock it first with [`Tx::api_key_lock`]).
    #[tracing::instrument(skip(self))]
    pub async fn api_key_set_revoked(&self, id: Uuid) -> Result<(), StoreError> {
        api_key::Entity::update_many()
            .col_expr(api_key::Column::RevokedAt, Expr::value(now()))
            .filter(api_key::Column::Id.eq(id))
            .filter(api_key::Column::RevokedAt.is_null())
            .exec(&self.txn)
            .await?;
        Ok(())
    }

    /// Sets key `id`'s scopes, networks and expiry (lock it first).
    #[tracing::instrument(skip(self))]
    pub async fn api_key_set_limits(&self, id: Uuid, limits: &KeyLimits) -> Result<(), StoreError> {
        api_key::Entity::update_many()
            .col_expr(
                api_key::Column::Scopes,
                Expr::value(limits.scopes.to_stored()),
            )
            .col_expr(
                api_key::Column::AllowedCidrs,
                Expr::value(limits.cidrs.to_stored()),
            )
            .col_expr(api_key::Column::ExpiresAt, Expr::value(limits.expires_at))
            .filter(api_key::Column::Id.eq(id))
            .exec(&self.txn)
            .await?;
        Ok(())
    }

    /// Gives key `id` a new secret (lock it first): the current digest
    /// becomes the previous one, working until `previous_until`; a secret
    /// replaced before stops at once.
    #[tracing::instrument(skip(self, hash, hint))]
    pub async fn api_key_roll(
        &self,
        id: Uuid,
        hash: KeyHash,
        hint: &str,
        previous_until: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        // Both backends evaluate every SET expression against the row as it
        // was: `previous_key_hash` takes the old `key_hash`.
        api_key::Entity::update_many()
            .col_expr(
                api_key::Column::PreviousKeyHash,
                Expr::col(api_key::Column::KeyHash).into(),
            )
            .col_expr(
                api_key::Column::PreviousValidUntil,
                Expr::value(previous_until),
            )
            .col_expr(api_key::Column::KeyHash, Expr::value(hash.to_hex()))
            .col_expr(api_key::Column::Hint, Expr::value(hint))
            .filter(api_key::Column::Id.eq(id))
            .exec(&self.txn)
            .await
            .map_err(|e| conflict_or(e, "key digest already exists"))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use llavero_types::Role;

    /// The lookup scans no table on SQLite, even with the statistics a
    /// real database gathers (most `previous_key_hash` NULL, many users).
    /// (It scanned `api_keys`, with an OR and then with a plain UNION: this
    /// fails on either.)
    #[tokio::test]
    async fn the_sqlite_lookup_searches_both_indexes_and_scans_nothing() {
        let scratch = crate::testing::sqlite().await;
        let tx = scratch
            .store
            .begin()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        for i in 0..200 {
            tx.user_insert(&format!("user{i}"), "x".into(), Role::User)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        }
        tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
        crate::testing::owner_with_keys(&scratch.store, 2000).await;
        let list: sea_orm::Value = "[\"00\"]".into();
        let plan = crate::testing::sqlite_plan(
            &scratch.store,
            lookup_sql(DbBackend::Sqlite),
            vec![list.clone(), list],
        )
        .await;
        let searches = plan
            .iter()
            .filter(|l| l.starts_with("SEARCH k USING INDEX"))
            .count();
        // (The digests' list, a `json_each`, is scanned, as it should be.)
        let scans = plan
            .iter()
            .any(|l| l.starts_with("SCAN") && !l.starts_with("SCAN json_each"));
        assert!(searches == 2 && !scans, "{plan:#?}");
    }
}
