//! The API-key resource: what the "Credenciales de API" screen lists.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An API key as its owner sees it. The secret itself is never part of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKey {
    pub id: Uuid,
    /// The owner's label for it, 1 to 100 characters; not unique.
    pub name: String,
    /// A non-secret reminder of the key: its prefix and last four characters.
    #[cfg_attr(feature = "openapi", schema(example = "mco_…x9Qa"))]
    pub hint: String,
    #[serde(serialize_with = "crate::rfc3339::serialize")]
    pub created_at: DateTime<Utc>,
    /// When the key last authenticated a request; null if never.
    #[serde(serialize_with = "crate::rfc3339::option::serialize")]
    pub last_used_at: Option<DateTime<Utc>>,
    /// The client address of that request; null if never used.
    pub last_used_ip: Option<String>,
    /// After this instant the key no longer authenticates; null for never.
    #[serde(serialize_with = "crate::rfc3339::option::serialize")]
    pub expires_at: Option<DateTime<Utc>>,
    /// What the key may do: null for every privilege of its owner (the
    /// default), else the scope names it holds (see `GET /scopes`).
    #[cfg_attr(
        feature = "openapi",
        schema(required = true, example = json!(["compute:read"]))
    )]
    pub scopes: Option<Vec<String>>,
    /// The networks the key may be used from (IPv4/IPv6 CIDRs, canonical
    /// form); empty: anywhere.
    #[cfg_attr(feature = "openapi", schema(example = json!(["203.0.113.0/24"])))]
    pub allowed_cidrs: Vec<String>,
    /// After a roll with a grace period: until when the previous secret
    /// still works; null otherwise (or once that time has passed).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    #[serde(serialize_with = "crate::rfc3339::option::serialize")]
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    /// Not used for 90 days (or never used, and created more than 90 days
    /// ago): most likely no program needs it any more.
    pub forgotten: bool,
}

/// `POST /api/v1/api-keys` body. An unknown field is refused: a misspelt
/// `scope` must not quietly create a key with every privilege.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateApiKey {
    /// 1 to 100 characters after trimming, no control characters; a good name
    /// says which application uses it.
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "backup-nightly",
            min_length = 1,
            max_length = 100,
            pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
        )
    )]
    pub name: String,
    /// The expiry: absent for the operator's default lifetime (none unless
    /// `LLAVERO_KEY_DEFAULT_LIFETIME_DAYS` is set), null for never (refused
    /// when a maximum lifetime is set), else an instant in the future and
    /// within the maximum.
    #[serde(
        default,
        deserialize_with = "crate::patch::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<DateTime<Utc>>))]
    pub expires_at: Option<Option<DateTime<Utc>>>,
    /// Absent or null: every privilege of the owner. Else a non-empty list of
    /// scope names from `GET /scopes`.
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
    /// Up to 32 IPv4/IPv6 networks the key may be used from; empty, null
    /// or absent: anywhere.
    #[serde(default, deserialize_with = "crate::patch::null_as_empty")]
    #[cfg_attr(feature = "openapi", schema(max_items = 32, value_type = Option<Vec<String>>))]
    pub allowed_cidrs: Vec<String>,
}

/// `PATCH /api/v1/api-keys/{id}` body: only the fields present change (an
/// unknown field is refused, so a typo cannot pass for "no change").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateApiKey {
    /// 1 to 100 characters after trimming, no control characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 100,
            pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
        )
    )]
    pub name: Option<String>,
    /// Null: every privilege of the owner; a list: only those scopes.
    #[serde(
        default,
        deserialize_with = "crate::patch::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<String>>))]
    pub scopes: Option<Option<Vec<String>>>,
    /// The networks the key may be used from; empty: anywhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_items = 32))]
    pub allowed_cidrs: Option<Vec<String>>,
    /// Null: never (refused when a maximum lifetime is set); else a future
    /// instant within the maximum.
    #[serde(
        default,
        deserialize_with = "crate::patch::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<DateTime<Utc>>))]
    pub expires_at: Option<Option<DateTime<Utc>>>,
}

/// `POST /api/v1/api-keys/{id}/roll` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RollApiKey {
    /// How long the current secret keeps working beside the new one, in
    /// seconds: 0 (stops at once) to 604800 (7 days).
    #[serde(default, deserialize_with = "crate::patch::whole_number")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 604800))]
    pub grace_seconds: i64,
}

/// `{"data": ApiKey}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeyResponse {
    pub data: ApiKey,
}

/// The answer to a key creation: the key, and its secret this one time.
///
/// `Debug` hides the secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeyCreated {
    pub data: ApiKey,
    /// The full key. It is shown only in this response and cannot be recovered.
    #[cfg_attr(feature = "openapi", schema(format = Password))]
    pub secret: String,
}

impl std::fmt::Debug for ApiKeyCreated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKeyCreated")
            .field("data", &self.data)
            .field("secret", &"[redacted]")
            .finish()
    }
}

/// One page of keys, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeyList {
    pub data: Vec<ApiKey>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}
