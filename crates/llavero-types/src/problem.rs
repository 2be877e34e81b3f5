//! RFC 9457 problem details: the body of every error answer.
//!
//! Clients (the web app, generated clients, the tests) branch on [`ErrorCode`],
//! never on `title` or `detail`: the prose is for people and may change, the
//! codes are part of the contract and only ever gain members.

use serde::{Deserialize, Serialize};

/// An error answer (`application/problem+json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    /// Always `about:blank`: the `code` says what happened.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short, human-readable summary of the status.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// The stable, machine-readable reason: match on this.
    pub code: ErrorCode,
    /// What went wrong and, where it helps, what to do (for people).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// For validation failures: which fields, and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// The answer's `x-request-id`, to find its log lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// One field that failed validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The field's name (`body` for the request body as a whole).
    pub field: String,
    /// Why it was refused.
    pub message: String,
}

/// Why a request failed: one code per cause, each with one HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: the body is not valid JSON, or cannot be read.
    BodyMalformed,
    /// 400: a path parameter is malformed (ids are UUIDs).
    PathMalformed,
    /// 400: the query string is malformed.
    QueryMalformed,
    /// 400: the `cursor` is not one this server issued.
    CursorInvalid,
    /// 400: an identity-provider sign-in came back without the `state` it
    /// was sent with (a missing, wrong or expired sign-in; start again).
    OidcStateInvalid,
    /// 400: the identity provider refused the sign-in (its `error`).
    OidcDenied,
    /// 400: the identity provider refused the code (replayed or expired).
    OidcCodeRejected,
    /// 400: the ID token failed validation (signature, issuer, audience,
    /// nonce or lifetime).
    OidcTokenInvalid,
    /// 401: no credentials were presented.
    AuthenticationRequired,
    /// 401: wrong username or password.
    CredentialsInvalid,
    /// 401: `MC-Api-Key` and `Authorization` carry different keys.
    CredentialsAmbiguous,
    /// 401: the session has expired or ended.
    SessionExpired,
    /// 401: the key is malformed (prefix, length, checksum) or not text.
    KeyMalformed,
    /// 401: no such key.
    KeyUnknown,
    /// 401: the key has been revoked.
    KeyRevoked,
    /// 401: the key has expired.
    KeyExpired,
    /// 401: the key's owner is disabled.
    OwnerDisabled,
    /// 401: `/verify` without the right service token.
    ServiceTokenInvalid,
    /// 401: a leak report's signature is missing or does not verify.
    SignatureInvalid,
    /// 403: the account is disabled.
    AccountDisabled,
    /// 403: this needs the admin role.
    AdminRequired,
    /// 403: password sign-in is off here; sign in through the identity
    /// provider.
    LocalLoginDisabled,
    /// 403: an API key cannot do this (managing keys or users): sign in,
    /// or use a key granted `llavero:manage`.
    KeyNotAllowed,
    /// 403: the key may not be used from this client address.
    IpNotAllowed,
    /// 403: a cookie-authenticated change sent from another site (its
    /// `Sec-Fetch-Site` or `Origin` says so).
    OriginRefused,
    /// 403: the key lacks the scope this needs.
    ScopeMissing,
    /// 403: a key asked to grant more than it holds (broader scopes, wider
    /// networks, a later expiry) or to touch what no key may (an admin's
    /// account, a password).
    GrantExceeded,
    /// 404: no such resource (or not the caller's).
    NotFound,
    /// 405: the path exists, the method does not (see `Allow`).
    MethodNotAllowed,
    /// 409: the username is taken.
    UsernameTaken,
    /// 409: the change would leave no enabled admin.
    LastAdmin,
    /// 409: the user signs in through the identity provider and has no
    /// Llavero password to check or set.
    NoLocalPassword,
    /// 413: the body is larger than the server accepts.
    BodyTooLarge,
    /// 415: the body must be sent as `application/json`.
    MediaTypeUnsupported,
    /// 422: several fields, or the body's shape, failed validation (see `errors`).
    InvalidInput,
    /// 422: a key name is blank or longer than 100 characters.
    NameInvalid,
    /// 422: a username is missing or not allowed.
    UsernameInvalid,
    /// 422: a password is missing, too short or too long.
    PasswordInvalid,
    /// 422: `expires_at` is not in the future.
    ExpiresAtInvalid,
    /// 422: `client_ip` is not an IP address.
    ClientIpInvalid,
    /// 422: `scopes` names an unknown scope, or is an empty list.
    ScopesInvalid,
    /// 422: `allowed_cidrs` holds something not a network, or too many.
    AllowedCidrsInvalid,
    /// 422: `grace_seconds` is outside 0 to 604800.
    GraceSecondsInvalid,
    /// 422: `required_scope` is not a scope name.
    RequiredScopeInvalid,
    /// 422: a webhook `url` is not https (or loopback http), carries
    /// credentials, or points where no server may call.
    UrlInvalid,
    /// 422: `events` names an unknown event type, or is an empty list.
    EventsInvalid,
    /// 422: an update that changes nothing.
    NothingToChange,
    /// 422: `current_password` is not the account's password.
    CurrentPasswordInvalid,
    /// 429: too many attempts; see `Retry-After`.
    RateLimited,
    /// 500: the server failed; the log has the cause under the request id.
    Internal,
    /// 503: the database cannot answer; retry after `Retry-After`.
    DatabaseUnavailable,
    /// 503: `/verify` is off (no service token configured).
    VerificationDisabled,
    /// 503: the server is at its limit for this kind of work; retry after
    /// `Retry-After`.
    Busy,
    /// 404: the operator has not turned this feature on (see docs/configuration.md).
    NotConfigured,
    /// 503: GitHub's secret-scanning public keys cannot be read right now.
    GithubKeysUnavailable,
    /// 503: the identity provider cannot be reached (or answered nonsense);
    /// retry later.
    OidcUnavailable,
}

impl ErrorCode {
    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BodyMalformed => "body_malformed",
            ErrorCode::PathMalformed => "path_malformed",
            ErrorCode::QueryMalformed => "query_malformed",
            ErrorCode::CursorInvalid => "cursor_invalid",
            ErrorCode::OidcStateInvalid => "oidc_state_invalid",
            ErrorCode::OidcDenied => "oidc_denied",
            ErrorCode::OidcCodeRejected => "oidc_code_rejected",
            ErrorCode::OidcTokenInvalid => "oidc_token_invalid",
            ErrorCode::AuthenticationRequired => "authentication_required",
            ErrorCode::CredentialsInvalid => "credentials_invalid",
            ErrorCode::CredentialsAmbiguous => "credentials_ambiguous",
            ErrorCode::SessionExpired => "session_expired",
            ErrorCode::KeyMalformed => "key_malformed",
            ErrorCode::KeyUnknown => "key_unknown",
            ErrorCode::KeyRevoked => "key_revoked",
            ErrorCode::KeyExpired => "key_expired",
            ErrorCode::OwnerDisabled => "owner_disabled",
            ErrorCode::ServiceTokenInvalid => "service_token_invalid",
            ErrorCode::SignatureInvalid => "signature_invalid",
            ErrorCode::AccountDisabled => "account_disabled",
            ErrorCode::AdminRequired => "admin_required",
            ErrorCode::LocalLoginDisabled => "local_login_disabled",
            ErrorCode::KeyNotAllowed => "key_not_allowed",
            ErrorCode::IpNotAllowed => "ip_not_allowed",
            ErrorCode::OriginRefused => "origin_refused",
            ErrorCode::ScopeMissing => "scope_missing",
            ErrorCode::GrantExceeded => "grant_exceeded",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::UsernameTaken => "username_taken",
            ErrorCode::LastAdmin => "last_admin",
            ErrorCode::NoLocalPassword => "no_local_password",
            ErrorCode::BodyTooLarge => "body_too_large",
            ErrorCode::MediaTypeUnsupported => "media_type_unsupported",
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::NameInvalid => "name_invalid",
            ErrorCode::UsernameInvalid => "username_invalid",
            ErrorCode::PasswordInvalid => "password_invalid",
            ErrorCode::ExpiresAtInvalid => "expires_at_invalid",
            ErrorCode::ClientIpInvalid => "client_ip_invalid",
            ErrorCode::ScopesInvalid => "scopes_invalid",
            ErrorCode::AllowedCidrsInvalid => "allowed_cidrs_invalid",
            ErrorCode::GraceSecondsInvalid => "grace_seconds_invalid",
            ErrorCode::RequiredScopeInvalid => "required_scope_invalid",
            ErrorCode::UrlInvalid => "url_invalid",
            ErrorCode::EventsInvalid => "events_invalid",
            ErrorCode::NothingToChange => "nothing_to_change",
            ErrorCode::CurrentPasswordInvalid => "current_password_invalid",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Internal => "internal",
            ErrorCode::DatabaseUnavailable => "database_unavailable",
            ErrorCode::VerificationDisabled => "verification_disabled",
            ErrorCode::Busy => "busy",
            ErrorCode::NotConfigured => "not_configured",
            ErrorCode::GithubKeysUnavailable => "github_keys_unavailable",
            ErrorCode::OidcUnavailable => "oidc_unavailable",
        }
    }

    /// The validation code for one refused field (`invalid_input` for any
    /// field without a code of its own).
    pub fn for_field(field: &str) -> ErrorCode {
        match field {
            "name" => ErrorCode::NameInvalid,
            "username" => ErrorCode::UsernameInvalid,
            "password" | "new_password" => ErrorCode::PasswordInvalid,
            "expires_at" => ErrorCode::ExpiresAtInvalid,
            "client_ip" => ErrorCode::ClientIpInvalid,
            "scopes" => ErrorCode::ScopesInvalid,
            "allowed_cidrs" => ErrorCode::AllowedCidrsInvalid,
            "grace_seconds" => ErrorCode::GraceSecondsInvalid,
            "required_scope" => ErrorCode::RequiredScopeInvalid,
            "current_password" => ErrorCode::CurrentPasswordInvalid,
            "url" => ErrorCode::UrlInvalid,
            "events" => ErrorCode::EventsInvalid,
            _ => ErrorCode::InvalidInput,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_are_the_serde_names() {
        // Every variant, through serde, equals as_str: the two cannot drift.
        let all = [
            ErrorCode::BodyMalformed,
            ErrorCode::PathMalformed,
            ErrorCode::QueryMalformed,
            ErrorCode::CursorInvalid,
            ErrorCode::OidcStateInvalid,
            ErrorCode::OidcDenied,
            ErrorCode::OidcCodeRejected,
            ErrorCode::OidcTokenInvalid,
            ErrorCode::AuthenticationRequired,
            ErrorCode::CredentialsInvalid,
            ErrorCode::CredentialsAmbiguous,
            ErrorCode::SessionExpired,
            ErrorCode::KeyMalformed,
            ErrorCode::KeyUnknown,
            ErrorCode::KeyRevoked,
            ErrorCode::KeyExpired,
            ErrorCode::OwnerDisabled,
            ErrorCode::ServiceTokenInvalid,
            ErrorCode::SignatureInvalid,
            ErrorCode::AccountDisabled,
            ErrorCode::AdminRequired,
            ErrorCode::LocalLoginDisabled,
            ErrorCode::KeyNotAllowed,
            ErrorCode::IpNotAllowed,
            ErrorCode::ScopeMissing,
            ErrorCode::GrantExceeded,
            ErrorCode::NotFound,
            ErrorCode::MethodNotAllowed,
            ErrorCode::UsernameTaken,
            ErrorCode::LastAdmin,
            ErrorCode::NoLocalPassword,
            ErrorCode::BodyTooLarge,
            ErrorCode::MediaTypeUnsupported,
            ErrorCode::InvalidInput,
            ErrorCode::NameInvalid,
            ErrorCode::UsernameInvalid,
            ErrorCode::PasswordInvalid,
            ErrorCode::ExpiresAtInvalid,
            ErrorCode::ClientIpInvalid,
            ErrorCode::ScopesInvalid,
            ErrorCode::AllowedCidrsInvalid,
            ErrorCode::GraceSecondsInvalid,
            ErrorCode::RequiredScopeInvalid,
            ErrorCode::UrlInvalid,
            ErrorCode::EventsInvalid,
            ErrorCode::NothingToChange,
            ErrorCode::CurrentPasswordInvalid,
            ErrorCode::RateLimited,
            ErrorCode::Internal,
            ErrorCode::DatabaseUnavailable,
            ErrorCode::VerificationDisabled,
            ErrorCode::Busy,
            ErrorCode::NotConfigured,
            ErrorCode::GithubKeysUnavailable,
            ErrorCode::OidcUnavailable,
            ErrorCode::OriginRefused,
        ];
        for code in all {
            let json = serde_json::to_string(&code).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }
}
