//! Sign-in, sign-out and "who am I" (`/auth/login`, `/auth/logout`, `/me`).

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use llavero_types::{FieldError, LoginRequest, Me, MeResponse, Problem};

use crate::auth::{session, Caller};
use crate::client_ip::client_ip;
use crate::error::ApiError;
use crate::state::AppState;
use crate::usecases::{self, sessions::SignInError};

/// Sign in
///
/// Checks a username and password and starts a browser session: the answer
/// sets an `HttpOnly`, `SameSite=Strict` session cookie. Repeated failures
/// for one username or from one address answer 429 with `Retry-After`.
#[utoipa::path(
    operation_id = "auth_login",
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in; the session cookie is set", body = MeResponse,
            headers(("set-cookie" = String, description = "`llavero_session`, HttpOnly, SameSite=Strict"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Wrong username or password", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The account is disabled", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not sent as application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing username or password", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts", body = Problem, content_type = "application/problem+json",
            headers(("retry-after" = u64, description = "Seconds to wait"))),
    )
)]
#[post("/auth/login")]
#[tracing::instrument(skip_all)]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let LoginRequest { username, password } = body.into_inner();
    let username = username.trim().to_ascii_lowercase();
    let mut missing = Vec::new();
    if username.is_empty() {
        missing.push(FieldError {
            field: "username".into(),
            message: "is required".into(),
        });
    }
    if password.is_empty() {
        missing.push(FieldError {
            field: "password".into(),
            message: "is required".into(),
        });
    }
    if !missing.is_empty() {
        return Err(ApiError::validation(missing));
    }
    if username.len() > 64 || password.len() > llavero_domain::names::PASSWORD_MAX {
        // No account has such a name or password: refuse without work.
        return Err(SignInError::WrongCredentials.into());
    }
    let ip = client_ip(&req, &state.trusted_proxies);
    let signed_in = usecases::sessions::sign_in(&state, &username, password, ip).await?;
    Ok(HttpResponse::Ok()
        .cookie(session::cookie(
            signed_in.token.expose().clone(),
            state.secure_cookies,
            state.session_ttl,
        ))
        .json(MeResponse {
            data: Me {
                user: signed_in.user,
                api_key: None,
            },
        }))
}

/// Sign out
///
/// Ends the browser session (on every replica at once) and clears its
/// cookie. Answers 204 even when there was no session.
#[utoipa::path(
    operation_id = "auth_logout",
    tag = "auth",
    responses((status = 204, description = "Signed out; the cookie is cleared"))
)]
#[post("/auth/logout")]
#[tracing::instrument(skip_all)]
pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    if let Some(token) = session::token_from(&req) {
        let ip = client_ip(&req, &state.trusted_proxies);
        usecases::sessions::sign_out(&state, &token, ip).await?;
    }
    Ok(HttpResponse::NoContent()
        .cookie(session::removal(state.secure_cookies))
        .finish())
}

/// Who am I
///
/// The caller's user and role, and the key that authenticated this request
/// when one did (with this call already recorded as its last use).
#[utoipa::path(
    operation_id = "me_get",
    tag = "auth",
    responses(
        (status = 200, description = "The caller", body = MeResponse),
        (status = 401, description = "Not authenticated, or the key is malformed, unknown, revoked or expired",
            body = Problem, content_type = "application/problem+json"),
    ),
    security(("session_cookie" = []), ("api_key" = []), ("bearer" = []))
)]
#[get("/me")]
// On the hot path of key use: debug level, free at the default level.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn me(caller: Caller) -> web::Json<MeResponse> {
    web::Json(MeResponse {
        data: Me {
            user: caller.user,
            api_key: caller.api_key,
        },
    })
}
