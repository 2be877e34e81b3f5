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
    /// The git commit the server was built from (`unknown` when the build
    /// had none).
    #[serde(default)]
    pub commit: String,
    /// The longest lifetime a key may have, in days; null: unlimited.
    #[serde(default)]
    pub key_max_lifetime_days: Option<u32>,
    /// The lifetime a key gets when its creator names none, in days; null:
    /// never expires.
    #[serde(default)]
    pub key_default_lifetime_days: Option<u32>,
    /// How users sign in here: with a Llavero password, through the
    /// identity provider, or either.
    #[serde(default)]
    pub sign_in_methods: Vec<SignInMethod>,
    /// The identity provider's name, for "Sign in with <name>"; null
    /// without one.
    #[serde(default)]
    pub oidc_name: Option<String>,
}

/// A way to sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum SignInMethod {
    /// A Llavero username and password (`POST /auth/login`).
    Password,
    /// The OpenID provider (`GET /auth/oidc/login`).
    Oidc,
}

/// `{"data": Info}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InfoResponse {
    pub data: Info,
}
