//! `POST /api/v1/verify`: gateways ask whether a key is valid and whose it is.

use std::net::IpAddr;

use actix_web::{post, web};
use llavero_types::{Problem, VerifyCode, VerifyRequest, VerifyResponse, VerifyResult};

use crate::auth::Service;
use crate::error::ApiError;
use crate::state::AppState;
use llavero_app::verification::Verdict;

/// Verify a presented API key
///
/// For platform gateways holding the service token. Answers 200 with a
/// verdict for any key: `VALID` (with the owner, their role *now*, and the
/// key, whose `scopes` say what it may do), or why not — `MALFORMED`
/// (refused offline, before any lookup), `NOT_FOUND`, `REVOKED` (also a
/// secret a roll replaced, once its grace period ends), `EXPIRED`,
/// `USER_DISABLED`, `IP_NOT_ALLOWED` (the key is limited to networks and
/// `client_ip` is outside them, or absent), `SCOPE_MISSING` (the key lacks
/// `required_scope`). A valid use is recorded as the key's last use, with
/// `client_ip` as its address.
#[utoipa::path(
    operation_id = "key_verify",
    tag = "verify",
    request_body = VerifyRequest,
    responses(
        (status = 200, description = "The verdict", body = VerifyResponse),
        (status = 401, description = "Missing or wrong service token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`client_ip` is not an IP address, or `required_scope` not a scope name", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Verification is not configured on this server", body = Problem, content_type = "application/problem+json"),
    ),
    security(("service_token" = []))
)]
#[post("/verify")]
// The hot path: a debug-level span costs nothing at the default level.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn verify(
    _service: Service,
    state: web::Data<AppState>,
    body: web::Json<VerifyRequest>,
) -> Result<web::Json<VerifyResponse>, ApiError> {
    let VerifyRequest {
        key,
        client_ip,
        required_scope,
    } = body.into_inner();
    let needed: Vec<String> = match required_scope.as_deref().map(str::trim) {
        None | Some("") => Vec::new(),
        Some(scope) if llavero_domain::limits::is_scope_name(scope) => vec![scope.to_owned()],
        Some(_) => {
            return Err(ApiError::field(
                "required_scope",
                "must be a scope name (^[a-z][a-z0-9_.:-]{0,63}$)",
            ))
        }
    };
    let client_ip = match client_ip
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(raw) => Some(
            raw.parse::<IpAddr>()
                .map_err(|_| ApiError::field("client_ip", "must be an IPv4 or IPv6 address"))?
                .to_string(),
        ),
    };
    let verdict = state
        .app
        .verifier
        .verify(key.trim(), client_ip.as_deref(), &needed)
        .await?;
    let result = match verdict {
        Verdict::Valid { owner, key } => VerifyResult {
            valid: true,
            code: VerifyCode::Valid,
            role: Some(owner.role),
            user: Some(owner),
            api_key: Some(key),
        },
        Verdict::Refused(why) => VerifyResult {
            valid: false,
            code: why.code(),
            user: None,
            role: None,
            api_key: None,
        },
    };
    state.app.metrics.observe_verify(result.code);
    // At gateway rates a line per success costs a third of the hot path;
    // a refusal is what an operator looks for: one INFO line, in the
    // request's span (its request id and client address).
    if result.valid {
        tracing::debug!(code = result.code.as_str(), "key verified");
    } else {
        tracing::info!(code = result.code.as_str(), "key refused");
    }
    Ok(web::Json(VerifyResponse { data: result }))
}
