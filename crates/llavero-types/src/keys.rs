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
    pub created_at: DateTime<Utc>,
    /// When the key last authenticated a request; null if never.
    pub last_used_at: Option<DateTime<Utc>>,
    /// The client address of that request; null if never used.
    pub last_used_ip: Option<String>,
    /// After this instant the key no longer authenticates; null for never.
    pub expires_at: Option<DateTime<Utc>>,
}

/// `POST /api/v1/api-keys` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// Optional expiry; must be in the future.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// `PATCH /api/v1/api-keys/{id}` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RenameApiKey {
    /// 1 to 100 characters after trimming, no control characters.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 100,
            pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
        )
    )]
    pub name: String,
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
