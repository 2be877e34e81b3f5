//! Admin user management: accounts, roles, disabling, and users' keys.

use actix_web::{delete, get, patch, post, web, HttpResponse};
use llavero_app::wire::ToWire;
use llavero_domain::{Password, Username};
use llavero_types::{
    ApiKeyList, CreateUser, ErrorCode, FieldError, PageQuery, Problem, Role, UpdateUser, UserList,
    UserResponse,
};
use uuid::Uuid;

use super::{cursor, page_request};
use crate::auth::{Admin, AdminManager, AdminSession};
use crate::error::ApiError;
use crate::state::AppState;
use llavero_app::usecases::users::UserUpdate;

fn user_not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such user")
}

/// List users
#[utoipa::path(
    operation_id = "user_list",
    tag = "users",
    params(PageQuery),
    responses(
        (status = 200, description = "One page of users, newest first", body = UserList),
        (status = 400, description = "Bad limit or cursor", body = Problem, content_type = "application/problem+json"),
    ),
    security(("session_cookie" = []), ("api_key" = []), ("bearer" = []))
)]
#[get("/users")]
#[tracing::instrument(skip_all)]
pub async fn list(
    _admin: Admin,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<UserList>, ApiError> {
    let page = state.app.store.user_list(page_request(&query)?).await?;
    Ok(web::Json(UserList {
        data: page.items.to_wire(),
        next_cursor: cursor(page.next),
    }))
}

/// Create a user
#[utoipa::path(
    operation_id = "user_create",
    tag = "users",
    request_body = CreateUser,
    responses(
        (status = 201, description = "Created", body = UserResponse),
        (status = 403, description = "Not an admin (`admin_required`); sent with an API key (`key_not_allowed`): users are created in a signed-in session", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The username is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad username or password", body = Problem, content_type = "application/problem+json"),
    ),
    security(("session_cookie" = []))
)]
#[post("/users")]
#[tracing::instrument(skip_all)]
pub async fn create(
    AdminSession(admin): AdminSession,
    state: web::Data<AppState>,
    body: web::Json<CreateUser>,
) -> Result<HttpResponse, ApiError> {
    let CreateUser {
        username,
        password,
        role,
    } = body.into_inner();
    let mut errors = Vec::new();
    let username = Username::parse(&username).map_err(|e| errors.push(e)).ok();
    let password = Password::parse(&password).map_err(|e| errors.push(e)).ok();
    let (Some(username), Some(password)) = (username, password) else {
        return Err(ApiError::validation(
            errors
                .into_iter()
                .map(|e| FieldError {
                    field: e.field.into(),
                    message: e.message,
                })
                .collect(),
        ));
    };
    let role = role.unwrap_or(Role::User);
    let user = state
        .app
        .create_user(&admin.acting(), &username, password, role)
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("location", format!("{}/users/{}", state.own_api, user.id)))
        .json(UserResponse { data: user }))
}

/// Get a user
#[utoipa::path(
    operation_id = "user_get",
    tag = "users",
    params(("id" = Uuid, Path, description = "The user's id")),
    responses(
        (status = 200, description = "The user", body = UserResponse),
    ),
    security(("session_cookie" = []), ("api_key" = []), ("bearer" = []))
)]
#[get("/users/{id}")]
#[tracing::instrument(skip_all, fields(id = %*id))]
pub async fn get(
    _admin: Admin,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<UserResponse>, ApiError> {
    let record = state
        .app
        .store
        .user_by_id(*id)
        .await?
        .ok_or_else(user_not_found)?;
    Ok(web::Json(UserResponse {
        data: record.user.to_wire(),
    }))
}

/// Update a user
///
/// Changes the role, disables or re-enables the account, or sets a new
/// password. A role change or disabling applies at once to all the user's
/// keys; disabling or a new password also ends the user's sessions. The last
/// enabled admin can be neither demoted nor disabled.
#[utoipa::path(
    operation_id = "user_update",
    tag = "users",
    params(("id" = Uuid, Path, description = "The user's id")),
    request_body = UpdateUser,
    responses(
        (status = 200, description = "Updated", body = UserResponse),
        (status = 403, description = "Not an admin (`admin_required`); sent with an API key (`key_not_allowed`): users are changed in a signed-in session", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Would leave no enabled admin (`last_admin`), or sets a password for a user from the identity provider, who has none (`no_local_password`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Nothing to change, or a bad password", body = Problem, content_type = "application/problem+json"),
    ),
    security(("session_cookie" = []))
)]
#[patch("/users/{id}")]
#[tracing::instrument(skip_all, fields(id = %*id))]
pub async fn update(
    AdminSession(admin): AdminSession,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<UpdateUser>,
) -> Result<web::Json<UserResponse>, ApiError> {
    let UpdateUser {
        role,
        disabled,
        password,
    } = body.into_inner();
    if role.is_none() && disabled.is_none() && password.is_none() {
        return Err(ApiError::new(
            ErrorCode::NothingToChange,
            "give at least one of role, disabled, password",
        ));
    }
    let password = password.map(|p| Password::parse(&p)).transpose()?;
    let update = UserUpdate {
        role,
        disabled,
        password,
    };
    let user = state.app.update_user(&admin.acting(), *id, update).await?;
    Ok(web::Json(UserResponse { data: user }))
}

/// List a user's API keys
#[utoipa::path(
    operation_id = "user_api_key_list",
    tag = "users",
    params(("id" = Uuid, Path, description = "The user's id"), PageQuery),
    responses(
        (status = 200, description = "One page of the user's live keys", body = ApiKeyList),
        (status = 400, description = "Bad id, limit or cursor", body = Problem, content_type = "application/problem+json"),
    ),
    security(("session_cookie" = []), ("api_key" = []), ("bearer" = []))
)]
#[get("/users/{id}/api-keys")]
#[tracing::instrument(skip_all, fields(id = %*id))]
pub async fn list_keys(
    _admin: Admin,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<ApiKeyList>, ApiError> {
    let page_req = page_request(&query)?;
    state
        .app
        .store
        .user_by_id(*id)
        .await?
        .ok_or_else(user_not_found)?;
    let page = state.app.store.api_key_list(*id, page_req).await?;
    Ok(web::Json(ApiKeyList {
        data: page.items.to_wire(),
        next_cursor: cursor(page.next),
    }))
}

/// Revoke a user's API key
#[utoipa::path(
    operation_id = "user_api_key_revoke",
    tag = "users",
    params(
        ("id" = Uuid, Path, description = "The user's id"),
        ("key_id" = Uuid, Path, description = "The key's id"),
    ),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, description = "Not an admin (`admin_required`), or sent with a key not granted `llavero:manage` (`key_not_allowed`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such live key of that user", body = Problem, content_type = "application/problem+json"),
    ),
    security(("session_cookie" = []), ("api_key" = []), ("bearer" = []))
)]
#[delete("/users/{id}/api-keys/{key_id}")]
#[tracing::instrument(skip_all, fields(user_id = %path.0, key_id = %path.1))]
pub async fn revoke_key(
    AdminManager(admin): AdminManager,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (user_id, key_id) = path.into_inner();
    state
        .app
        .revoke_key(&admin.acting(), user_id, key_id)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
