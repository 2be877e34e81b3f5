//! A key's use: `GET /api-keys/{id}/usage` for its owner, and
//! `GET /users/{id}/api-keys/{key_id}/usage` for admins.
//!
//! Usage is read from what the verifier's flushes wrote (within about a
//! second of a use); a revoked key's usage stays readable, so an owner can
//! see someone still trying it.

use actix_web::{get, web};
use llavero_app::wire::ToWire;
use llavero_types::{ErrorCode, KeyUsageResponse, Problem};
use uuid::Uuid;

use crate::auth::{Admin, Caller};
use crate::error::ApiError;
use crate::state::AppState;

async fn usage_of(
    state: &AppState,
    owner: Uuid,
    key: Uuid,
) -> Result<web::Json<KeyUsageResponse>, ApiError> {
    let usage = state
        .app
        .store
        .api_key_usage(owner, key)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such API key"))?;
    Ok(web::Json(KeyUsageResponse {
        data: usage.to_wire(),
    }))
}

/// See one of my API keys' use
///
/// Per UTC day over the last 90 days (newest first; days with no use and no
/// refusal left out): the requests the key authenticated — directly, through
/// `/verify` or through a gateway's forward-auth — and its refused
/// presentations by `/verify` code (`REVOKED`, `EXPIRED`, `USER_DISABLED`,
/// `IP_NOT_ALLOWED`, `SCOPE_MISSING`). Then the most recent client
/// addresses it was used from (up to 50), each with first and last seen and
/// a count. A key's first use from an address is also an activity event,
/// `key_new_address`. Revoked keys answer too.
#[utoipa::path(
    operation_id = "api_key_usage",
    tag = "api-keys",
    params(("id" = Uuid, Path, description = "The key's id")),
    responses(
        (status = 200, description = "The key's use", body = KeyUsageResponse),
    ),
    security(("session_cookie" = []), ("api_key" = []), ("bearer" = []))
)]
#[get("/api-keys/{id}/usage")]
#[tracing::instrument(skip_all, fields(id = %*id))]
pub async fn own(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<KeyUsageResponse>, ApiError> {
    usage_of(&state, caller.user.id, *id).await
}

/// See a user's API key's use
///
/// What `GET /api-keys/{id}/usage` shows its owner, for an admin.
#[utoipa::path(
    operation_id = "user_api_key_usage",
    tag = "users",
    params(
        ("id" = Uuid, Path, description = "The user's id"),
        ("key_id" = Uuid, Path, description = "The key's id"),
    ),
    responses(
        (status = 200, description = "The key's use", body = KeyUsageResponse),
        (status = 404, description = "No such key of that user", body = Problem, content_type = "application/problem+json"),
    ),
    security(("session_cookie" = []), ("api_key" = []), ("bearer" = []))
)]
#[get("/users/{id}/api-keys/{key_id}/usage")]
#[tracing::instrument(skip_all, fields(user_id = %path.0, key_id = %path.1))]
pub async fn of_user(
    _admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<web::Json<KeyUsageResponse>, ApiError> {
    let (user, key) = path.into_inner();
    usage_of(&state, user, key).await
}
