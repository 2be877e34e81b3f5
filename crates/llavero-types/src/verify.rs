//! `POST /api/v1/verify`: gateways ask whether a presented key is good.

use serde::{Deserialize, Serialize};

use crate::{ApiKey, Role, User};

/// The key a gateway was shown, and the address of the client that showed it.
///
/// `Debug` hides the key.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerifyRequest {
    #[cfg_attr(feature = "openapi", schema(format = Password))]
    pub key: String,
    /// The end client's IP as the gateway saw it; recorded as the key's last IP.
    /// Required while the key is limited to networks (`allowed_cidrs`):
    /// without it such a key is refused `IP_NOT_ALLOWED`.
    #[serde(default)]
    pub client_ip: Option<String>,
    /// A scope the request needs: a key without it is refused
    /// `SCOPE_MISSING` (a key with every privilege has every API scope).
    #[serde(default)]
    pub required_scope: Option<String>,
}

impl std::fmt::Debug for VerifyRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyRequest")
            .field("key", &"[redacted]")
            .field("client_ip", &self.client_ip)
            .field("required_scope", &self.required_scope)
            .finish()
    }
}

/// Why a key is or is not valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VerifyCode {
    /// The key authenticates its owner.
    Valid,
    /// Well-formed, but no such key exists.
    NotFound,
    /// The key existed and was revoked.
    Revoked,
    /// The key passed its expiry.
    Expired,
    /// The key's owner is disabled.
    UserDisabled,
    /// Not a key of this installation (wrong prefix, length, alphabet or checksum).
    Malformed,
    /// The key is limited to networks the client address is not in (or no
    /// `client_ip` was given).
    IpNotAllowed,
    /// The key lacks the `required_scope`.
    ScopeMissing,
}

impl VerifyCode {
    /// The code's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            VerifyCode::Valid => "VALID",
            VerifyCode::NotFound => "NOT_FOUND",
            VerifyCode::Revoked => "REVOKED",
            VerifyCode::Expired => "EXPIRED",
            VerifyCode::UserDisabled => "USER_DISABLED",
            VerifyCode::Malformed => "MALFORMED",
            VerifyCode::IpNotAllowed => "IP_NOT_ALLOWED",
            VerifyCode::ScopeMissing => "SCOPE_MISSING",
        }
    }
}

/// The verdict on a key; owner details only when it is valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerifyResult {
    pub valid: bool,
    pub code: VerifyCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<User>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<ApiKey>,
}

/// `{"data": VerifyResult}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerifyResponse {
    pub data: VerifyResult,
}
