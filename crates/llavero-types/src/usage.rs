//! A key's use: uses and refusals per UTC day, and the addresses it was
//! used from — what an owner looks at before revoking a key, or after a leak.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// One UTC day of a key's use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageDay {
    /// The UTC day, `YYYY-MM-DD`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date, example = "2026-11-27"))]
    pub date: NaiveDate,
    /// Requests the key authenticated (direct calls, `/verify` and
    /// forward-auth alike).
    pub uses: u64,
    /// Refused presentations of this key, by `/verify` code (`REVOKED`,
    /// `EXPIRED`, `USER_DISABLED`, `IP_NOT_ALLOWED`, `SCOPE_MISSING`); codes
    /// with none are left out.
    #[cfg_attr(feature = "openapi", schema(example = json!({"REVOKED": 3})))]
    pub refused: BTreeMap<String, u64>,
}

/// A client address a key was used from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageAddress {
    #[cfg_attr(feature = "openapi", schema(example = "203.0.113.7"))]
    pub ip: String,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// Uses from this address since `first_seen`.
    pub uses: u64,
}

/// A key's use over the last 90 days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyUsage {
    /// Newest first; days with no use and no refusal are left out.
    pub days: Vec<UsageDay>,
    /// The most recent distinct client addresses (up to 50), most recently
    /// seen first.
    pub addresses: Vec<UsageAddress>,
}

/// `GET /api-keys/{id}/usage` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyUsageResponse {
    pub data: KeyUsage,
}
