//! `GET /api/v1/info`: what the web app shows above the key list.

use serde::{Deserialize, Serialize};

/// Public facts about this Llavero installation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Info {
    /// The base URL programs call with their keys (shown with a copy icon).
    pub api_endpoint: String,
    /// The product name shown in the web app.
    pub brand: String,
    /// The server's version.
    pub version: String,
    /// The longest lifetime a key may have, in days; null: unlimited.
    #[serde(default)]
    pub key_max_lifetime_days: Option<u32>,
    /// The lifetime a key gets when its creator names none, in days; null:
    /// never expires.
    #[serde(default)]
    pub key_default_lifetime_days: Option<u32>,
}

/// `{"data": Info}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InfoResponse {
    pub data: Info,
}
