//! The caller's own API keys: list, create, get, update (name and limits),
//! roll, revoke.
//!
//! Every query is scoped to the caller's user id, so another user's key is a
//! plain 404 — the same answer as a key that never existed.

use actix_web::{delete, get, patch, post, web, HttpResponse};
use chrono::Duration;
use llavero_app::wire::ToWire;
use llavero_types::{
    ApiKeyCreated, ApiKeyList, ApiKeyResponse, CreateApiKey, ErrorCode, PageQuery, Problem,
    RollApiKey, UpdateApiKey,
};
use uuid::Uuid;

use super::key_input::{self, grant_of};
use super::{cursor, page_request};
use crate::auth::{Caller, Manager};
use crate::error::ApiError;
use crate::state::AppState;
use llavero_app::usecases;
use llavero_app::usecases::key_changes::MAX_GRACE_SECONDS;

fn key_not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such API key")
}

/// List my API keys
///
/// The caller's live keys, newest first, with each key's last use (time and
/// client IP; null if never used). Cursor-paginated.
#[utoipa::path(
    operation_id = "api_key_list",
    tag = "api-keys",
    params(PageQuery),
    responses(
        (status = 200, description = "One page of keys", body = ApiKeyList),
        (status = 400, description = "Bad limit or cursor", body = Problem, content_type = "application/problem+json"),
    ),
    security(("session_cookie" = []), ("api_key" = []), ("bearer" = []))
)]
#[get("/api-keys")]
#[tracing::instrument(skip_all)]
pub async fn list(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<ApiKeyList>, ApiError> {
    let page = state
        .app
        .store
        .api_key_list(caller.user.id, page_request(&query)?)
        .await?;
    Ok(web::Json(ApiKeyList {
        data: page.items.to_wire(),
        next_cursor: cursor(page.next),
    }))
}

/// Generate an API key
///
/// Creates a key for the caller, with the caller's privileges (or only the
/// `scopes` given), usable from anywhere (or only from `allowed_cidrs`),
/// until `expires_at` (absent: the operator's default lifetime). The answer
/// holds the key itself in `secret` — the only time it is ever shown: the
/// server keeps just a peppered HMAC of it. A key granted `llavero:manage`
/// may create keys no broader than itself.
#[utoipa::path(
    operation_id = "api_key_create",
    tag = "api-keys",
    request_body = CreateApiKey,
    responses(
        (status = 201, description = "Created; `secret` is shown this once", body = ApiKeyCreated),
        (status = 403, description = "Sent with a key not granted `llavero:manage` (`key_not_allowed`), or asking for more than that key holds (`grant_exceeded`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad name, unknown scope, bad or too many networks, expiry in the past or beyond the maximum lifetime (each field named in `errors`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many keys created in the last minute (`rate_limited`)", body = Problem, content_type = "application/problem+json",
            headers(("retry-after" = u64, description = "Seconds to wait"))),
    ),
    security(("session_cookie" = []), ("api_key" = []), ("bearer" = []))
)]
#[post("/api-keys")]
#[tracing::instrument(skip_all)]
pub async fn create(
    Manager(caller): Manager,
    state: web::Data<AppState>,
    body: web::Json<CreateApiKey>,
) -> Result<HttpResponse, ApiError> {
    let (name, limits) = key_input::create(&state.app.key_policy, body.into_inner())?;
    let created = state
        .app
        .create_key(
            &caller.acting(),
            &grant_of(&caller),
            caller.user.id,
            &name,
            limits,
        )
        .await?;
    Ok(secret_answer(&state, created))
}

/// 201 with the key and its secret, shown this once.
fn secret_answer(state: &AppState, created: usecases::api_keys::CreatedKey) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((
            "location",
            format!("{}/api-keys/{}", state.own_api, created.key.id),
        ))
        .insert_header(("cache-control", "no-store"))
        .json(ApiKeyCreated {
            data: created.key,
            secret: created.secret.expose().clone(),
        })
}

/// Get one of my API keys
#[utoipa::path(
    operation_id = "api_key_get",
    tag = "api-keys",
    params(("id" = Uuid, Path, description = "The key's id")),
    responses(
        (status = 200, description = "The key", body = ApiKeyResponse),
    ),
    security(("session_cookie" = []), ("api_key" = []), ("bearer" = []))
)]
#[get("/api-keys/{id}")]
#[tracing::instrument(skip_all, fields(id = %*id))]
pub async fn get(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<ApiKeyResponse>, ApiError> {
    let key = state
        .app
        .store
        .api_key_get(caller.user.id, *id)
        .await?
        .ok_or_else(key_not_found)?;
    Ok(web::Json(ApiKeyResponse {
        data: key.to_wire(),
    }))
}

/// Change one of my API keys
///
/// The "Editar clave API" action: the name, and the key's limits — `scopes`
/// (null: every privilege), `allowed_cidrs` (empty: anywhere), `expires_at`
/// (null: never, within the lifetime policy). Only the fields present
/// change; an empty body is a 422 `nothing_to_change`. A change applies to
/// the key's very next use, on every replica.
#[utoipa::path(
    operation_id = "api_key_update",
    tag = "api-keys",
    params(("id" = Uuid, Path, description = "The key's id")),
    request_body = UpdateApiKey,
    responses(
        (status = 200, description = "Changed", body = ApiKeyResponse),
        (status = 403, description = "Sent with a key not granted `llavero:manage` (`key_not_allowed`), or setting limits beyond that key's own (`grant_exceeded`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad field (named in `errors`), or nothing to change", body = Problem, content_type = "application/problem+json"),
    ),
    security(("session_cookie" = []), ("api_key" = []), ("bearer" = []))
)]
#[patch("/api-keys/{id}")]
#[tracing::instrument(skip_all, fields(id = %*id))]
pub async fn update(
    Manager(caller): Manager,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<UpdateApiKey>,
) -> Result<web::Json<ApiKeyResponse>, ApiError> {
    let changes = key_input::update(&state.app.key_policy, body.into_inner())?;
    let key = state
        .app
        .update_key(
            &caller.acting(),
            &grant_of(&caller),
            caller.user.id,
            *id,
            changes,
        )
        .await?;
    Ok(web::Json(ApiKeyResponse { data: key }))
}

/// Roll one of my API keys
///
/// "Rotar clave API": the key gets a new secret, shown in this answer only,
/// and keeps its id, name, scopes, networks and expiry. The current secret
/// keeps working for `grace_seconds` (0 to 604800), so programs can switch
/// without downtime; after that it is refused as `REVOKED`. A secret an
/// earlier roll replaced stops at once. Counts against the per-minute
/// allowance of new keys.
#[utoipa::path(
    operation_id = "api_key_roll",
    tag = "api-keys",
    params(("id" = Uuid, Path, description = "The key's id")),
    request_body = RollApiKey,
    responses(
        (status = 201, description = "Rolled; `secret` is the new secret, shown this once", body = ApiKeyCreated),
        (status = 403, description = "Sent with a key not granted `llavero:manage` (`key_not_allowed`), or rolling a key broader than that key (`grant_exceeded`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`grace_seconds` outside 0 to 604800 (`grace_seconds_invalid`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many keys created or rolled in the last minute (`rate_limited`)", body = Problem, content_type = "application/problem+json",
            headers(("retry-after" = u64, description = "Seconds to wait"))),
    ),
    security(("session_cookie" = []), ("api_key" = []), ("bearer" = []))
)]
#[post("/api-keys/{id}/roll")]
#[tracing::instrument(skip_all, fields(id = %*id))]
pub async fn roll(
    Manager(caller): Manager,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<RollApiKey>,
) -> Result<HttpResponse, ApiError> {
    let grace = body.grace_seconds;
    if !(0..=MAX_GRACE_SECONDS).contains(&grace) {
        return Err(ApiError::field(
            "grace_seconds",
            format!("must be 0 to {MAX_GRACE_SECONDS} (7 days)"),
        ));
    }
    let rolled = state
        .app
        .roll_key(
            &caller.acting(),
            &grant_of(&caller),
            caller.user.id,
            *id,
            Duration::seconds(grace),
        )
        .await?;
    Ok(secret_answer(&state, rolled))
}

/// Revoke one of my API keys
///
/// The "Eliminar clave de API" action. The key stops working at once, for
/// every request and every `verify`; it disappears from the list.
#[utoipa::path(
    operation_id = "api_key_revoke",
    tag = "api-keys",
    params(("id" = Uuid, Path, description = "The key's id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, description = "Sent with a key not granted `llavero:manage` (`key_not_allowed`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such live key of the caller's", body = Problem, content_type = "application/problem+json"),
    ),
    security(("session_cookie" = []), ("api_key" = []), ("bearer" = []))
)]
#[delete("/api-keys/{id}")]
#[tracing::instrument(skip_all, fields(id = %*id))]
pub async fn revoke(
    Manager(caller): Manager,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    state
        .app
        .revoke_key(&caller.acting(), caller.user.id, *id)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
