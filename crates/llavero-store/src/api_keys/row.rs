//! [`ApiKeyRow`]: what the store returns of a key, and how it is read.
//!
//! It holds what is stored, the limits parsed once: `llavero-app` makes
//! the wire `ApiKey` from it, and computes there what depends on the time
//! of the answer (whether the key is forgotten, whether the previous
//! secret still works). A list page and a lookup read it by column
//! position ([`listed_columns`]), a sea-orm query from the entity's model.

use chrono::{DateTime, Utc};
use llavero_domain::{Cidrs, Scopes};
use sea_orm::{DbErr, FromQueryResult, QueryResult};
use uuid::Uuid;

use crate::columns;
use crate::entity::api_key;

/// A key as stored, but its digests and the server's own bookkeeping
/// (revocation, expiry notices): what its owner and a key check see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRow {
    pub id: Uuid,
    pub name: String,
    /// The few characters of the secret shown to recognise it.
    pub hint: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub last_used_ip: Option<String>,
    /// What it may do (`scopes` column, parsed).
    pub scopes: Scopes,
    /// Where it may be used from (`allowed_cidrs` column, parsed).
    pub cidrs: Cidrs,
    /// Until when the secret a roll replaced works; kept after that
    /// instant has passed (the reader decides what is still true).
    pub previous_valid_until: Option<DateTime<Utc>>,
}

impl From<api_key::Model> for ApiKeyRow {
    fn from(m: api_key::Model) -> Self {
        ApiKeyRow {
            id: m.id,
            name: m.name,
            hint: m.hint,
            created_at: m.created_at,
            expires_at: m.expires_at,
            last_used_at: m.last_used_at,
            last_used_ip: m.last_used_ip,
            scopes: Scopes::from_stored(m.scopes.as_deref()),
            cidrs: Cidrs::from_stored(m.allowed_cidrs.as_deref()),
            previous_valid_until: m.previous_valid_until,
        }
    }
}

impl FromQueryResult for ApiKeyRow {
    fn from_query_result(row: &QueryResult, _: &str) -> Result<Self, DbErr> {
        ApiKeyRow::read(row, 0)
    }
}

/// [`ApiKeyRow`]'s columns, in the order [`ApiKeyRow::read`] takes them.
macro_rules! listed_columns {
    () => {
        r#""api_keys"."id", "api_keys"."name", "api_keys"."hint", "api_keys"."created_at", "api_keys"."expires_at", "api_keys"."last_used_at", "api_keys"."last_used_ip", "api_keys"."scopes", "api_keys"."allowed_cidrs", "api_keys"."previous_valid_until""#
    };
}
pub(crate) use listed_columns;

impl ApiKeyRow {
    /// The ten [`listed_columns`] from position `at` of `row` on.
    pub(crate) fn read(row: &QueryResult, at: usize) -> Result<Self, DbErr> {
        Ok(ApiKeyRow {
            id: columns::get(row, at)?,
            name: columns::get(row, at + 1)?,
            hint: columns::get(row, at + 2)?,
            created_at: columns::get(row, at + 3)?,
            expires_at: columns::get(row, at + 4)?,
            last_used_at: columns::get(row, at + 5)?,
            last_used_ip: columns::get(row, at + 6)?,
            scopes: Scopes::from_stored(columns::get::<Option<String>>(row, at + 7)?.as_deref()),
            cidrs: Cidrs::from_stored(columns::get::<Option<String>>(row, at + 8)?.as_deref()),
            previous_valid_until: columns::get(row, at + 9)?,
        })
    }
}
