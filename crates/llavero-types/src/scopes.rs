//! `GET /api/v1/scopes`: the operator's catalogue of scopes a key may be
//! limited to.

use serde::{Deserialize, Serialize};

/// A text in the web app's two languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Described {
    pub es: String,
    pub en: String,
}

/// One scope a key may hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Scope {
    /// `^[a-z][a-z0-9_.:-]{0,63}$`
    #[cfg_attr(feature = "openapi", schema(example = "compute:read"))]
    pub name: String,
    /// What it allows, in Spanish and English; null when the operator gave
    /// only names (`LLAVERO_SCOPES`).
    #[serde(default)]
    pub description: Option<Described>,
    /// Llavero's own (`llavero:manage`), not the operator's.
    #[serde(default)]
    pub builtin: bool,
}

/// `{"data": [Scope]}`: the operator's scopes in their order, then Llavero's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScopeList {
    pub data: Vec<Scope>,
}
