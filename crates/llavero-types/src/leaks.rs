//! Leaked-key reports: GitHub's secret-scanning partner format, which the
//! operator's own scanners use too.

use serde::{Deserialize, Serialize};

/// One match a scanner found (`POST /leaks/github` and `POST /leaks` take a
/// JSON array of these).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeakReport {
    /// The leaked string, as found.
    pub token: String,
    /// The scanner's name for the secret's type.
    #[serde(rename = "type", default)]
    pub token_type: Option<String>,
    /// Where it was found (recorded in the activity log, shown to the owner).
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(example = "https://github.com/octo/app/blob/abc/config.py")
    )]
    pub url: Option<String>,
    /// What kind of place (`content`, `commit`, `npm`, …).
    #[serde(default)]
    pub source: Option<String>,
}

/// The verdict on one report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LeakLabel {
    /// A real Llavero key (now revoked, if it was live).
    TruePositive,
    /// Not a key this service issued.
    FalsePositive,
}

/// GitHub's feedback item for one report; the token itself is never echoed,
/// only its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeakFeedback {
    /// Lowercase hex SHA-256 of the reported token.
    pub token_hash: String,
    pub token_type: String,
    pub label: LeakLabel,
}

/// `POST /leaks` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeakFeedbackList {
    pub data: Vec<LeakFeedback>,
}
