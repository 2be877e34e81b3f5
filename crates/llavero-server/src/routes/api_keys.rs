//! The caller's own API keys: list, create, get, rename, revoke.
//!
//! Every query is scoped to the caller's user id, so another user's key is a
//! plain 404 — the same answer as a key that never existed.

use actix_web::{delete, get, patch, post, web, HttpResponse};
use llavero_domain::KeyName;
use llavero_types::{
    ApiKeyCreated, ApiKeyList, ApiKeyResponse, CreateApiKey, ErrorCode, PageQuery, Problem,
    RenameApiKey,
};
use uuid::Uuid;

use super::{cursor, page_request};
use crate::auth::{Caller, Manager};
use crate::error::ApiError;
use crate::state::AppState;
use crate::usecases;

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
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
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
        .store
        .api_key_list(caller.user.id, page_request(&query)?)
        .await?;
    Ok(web::Json(ApiKeyList {
        data: page.items,
        next_cursor: cursor(page.next),
    }))
}

/// Generate an API key
///
/// Creates a key for the caller, with the caller's privileges. The answer
/// holds the key itself in `secret` — the only time it is ever shown: the
/// server keeps just a peppered HMAC of it.
#[utoipa::path(
    operation_id = "api_key_create",
    tag = "api-keys",
    request_body = CreateApiKey,
    responses(
        (status = 201, description = "Created; `secret` is shown this once", body = ApiKeyCreated),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Sent with an API key: managing keys needs a signed-in session (`key_not_allowed`)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not sent as application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Blank or too long name, or expiry in the past", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many keys created in the last minute (`rate_limited`)", body = Problem, content_type = "application/problem+json",
            headers(("retry-after" = u64, description = "Seconds to wait"))),
    ),
    security(("session_cookie" = []))
)]
#[post("/api-keys")]
#[tracing::instrument(skip_all)]
pub async fn create(
    Manager(caller): Manager,
    state: web::Data<AppState>,
    body: web::Json<CreateApiKey>,
) -> Result<HttpResponse, ApiError> {
    let CreateApiKey { name, expires_at } = body.into_inner();
    let name = KeyName::parse(&name)?;
    let created =
        usecases::api_keys::create(&state, &caller.acting(), caller.user.id, &name, expires_at)
            .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "location",
            format!("{}/api-keys/{}", state.own_api, created.key.id),
        ))
        .insert_header(("cache-control", "no-store"))
        .json(ApiKeyCreated {
            data: created.key,
            secret: created.secret.expose().clone(),
        }))
}

/// Get one of my API keys
#[utoipa::path(
    operation_id = "api_key_get",
    tag = "api-keys",
    params(("id" = Uuid, Path, description = "The key's id")),
    responses(
        (status = 200, description = "The key", body = ApiKeyResponse),
        (status = 400, description = "The id is not a UUID", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such key of the caller's", body = Problem, content_type = "application/problem+json"),
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
        .store
        .api_key_get(caller.user.id, *id)
        .await?
        .ok_or_else(key_not_found)?;
    Ok(web::Json(ApiKeyResponse { data: key }))
}

/// Rename one of my API keys
///
/// The "Editar clave API" action. Names need not be unique.
#[utoipa::path(
    operation_id = "api_key_rename",
    tag = "api-keys",
    params(("id" = Uuid, Path, description = "The key's id")),
    request_body = RenameApiKey,
    responses(
        (status = 200, description = "Renamed", body = ApiKeyResponse),
        (status = 400, description = "Malformed JSON or id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Sent with an API key: managing keys needs a signed-in session (`key_not_allowed`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such key of the caller's", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not sent as application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Blank or too long name", body = Problem, content_type = "application/problem+json"),
    ),
    security(("session_cookie" = []))
)]
#[patch("/api-keys/{id}")]
#[tracing::instrument(skip_all, fields(id = %*id))]
pub async fn rename(
    Manager(caller): Manager,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<RenameApiKey>,
) -> Result<web::Json<ApiKeyResponse>, ApiError> {
    let name = KeyName::parse(&body.name)?;
    let key =
        usecases::api_keys::rename(&state, &caller.acting(), caller.user.id, *id, &name).await?;
    Ok(web::Json(ApiKeyResponse { data: key }))
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
        (status = 400, description = "The id is not a UUID", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Sent with an API key: managing keys needs a signed-in session (`key_not_allowed`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such live key of the caller's", body = Problem, content_type = "application/problem+json"),
    ),
    security(("session_cookie" = []))
)]
#[delete("/api-keys/{id}")]
#[tracing::instrument(skip_all, fields(id = %*id))]
pub async fn revoke(
    Manager(caller): Manager,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    usecases::api_keys::revoke(&state, &caller.acting(), caller.user.id, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}
