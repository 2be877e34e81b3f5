//! Sign-in, sign-out (here or everywhere), "who am I" and changing one's
//! own password (`/auth/*`, `/me`, `/me/password`).

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use llavero_domain::Password;
use llavero_types::{ChangePassword, ErrorCode, FieldError, LoginRequest, Me, MeResponse, Problem};

use crate::auth::{device, Caller, SignedIn};
use crate::client_ip::client_ip;
use crate::error::ApiError;
use crate::state::AppState;
use llavero_app::usecases::sessions::SignInError;

/// Sign in
///
/// Checks a username and password and starts a browser session: the answer
/// sets an `HttpOnly`, `SameSite=Strict` session cookie (`__Host-` prefixed
/// and `Secure` over https). At most 10 password checks per account and
/// address, and 50 failed ones per address, in any 15 minutes; more answer
/// 429 with `Retry-After`. A session ends after 12 hours, or 1 hour unused
/// (both configurable).
#[utoipa::path(
    operation_id = "auth_login",
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in; the session cookie is set", body = MeResponse,
            headers(("set-cookie" = String, description = "`llavero_session`, HttpOnly, SameSite=Strict"))),
        (status = 401, description = "Wrong username or password", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The account is disabled (`account_disabled`), or password sign-in is off here (`local_login_disabled`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing username or password", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts for this account from this address, or from this address", body = Problem, content_type = "application/problem+json",
            headers(("retry-after" = u64, description = "Seconds to wait"))),
        (status = 503, description = "Too many password checks at once (`busy`)", body = Problem, content_type = "application/problem+json",
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
    if !state.app.local_login {
        return Err(ApiError::new(
            ErrorCode::LocalLoginDisabled,
            "password sign-in is off here; sign in through the identity provider",
        ));
    }
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
    if username.len() > 64 || !llavero_domain::names::password_fits(&password) {
        // No account has such a name or password: refuse without work.
        return Err(SignInError::WrongCredentials.into());
    }
    let ip = client_ip(&req, &state.trusted_proxies);
    let now = llavero_store::now().timestamp();
    let secure = state.sessions.secure;
    let device = device::known(&req, &state.app.pepper, secure, &username, now);
    let signed_in = state
        .app
        .sign_in(&username, password, ip, device.clone())
        .await?;
    let device = device::cookie(&state.app.pepper, secure, &username, device, now)
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .cookie(state.sessions.cookie(signed_in.token.expose().clone()))
        .cookie(device)
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
    end_session(&state, &req).await?;
    Ok(HttpResponse::NoContent()
        .cookie(state.sessions.removal())
        .finish())
}

/// Ends the session `req`'s cookie names, if any (here and on every
/// replica), with its `logout` event.
pub(crate) async fn end_session(state: &AppState, req: &HttpRequest) -> Result<(), ApiError> {
    if let Some(token) = state.sessions.token_from(req) {
        let ip = client_ip(req, &state.trusted_proxies);
        state.app.sign_out(&token, ip).await?;
    }
    Ok(())
}

/// Sign out everywhere
///
/// Ends every session of the caller, on every device and replica, this
/// one included, and clears this browser's cookie. Needs a signed-in
/// session (an API key is refused: revoke keys one by one instead).
#[utoipa::path(
    operation_id = "auth_logout_everywhere",
    tag = "auth",
    responses(
        (status = 204, description = "Every session ended; the cookie is cleared"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Sent with an API key, even one granted `llavero:manage` (`key_not_allowed`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("session_cookie" = []))
)]
#[post("/auth/logout-everywhere")]
#[tracing::instrument(skip_all)]
pub async fn logout_everywhere(
    SignedIn(caller): SignedIn,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    state.app.sign_out_everywhere(&caller.acting()).await?;
    Ok(HttpResponse::NoContent()
        .cookie(state.sessions.removal())
        .finish())
}

/// Change my password
///
/// Checks `current_password` (throttled like sign-in), sets
/// `new_password`, and ends the caller's other sessions; this one stays.
/// Needs a signed-in session.
#[utoipa::path(
    operation_id = "me_password_change",
    tag = "auth",
    request_body = ChangePassword,
    responses(
        (status = 204, description = "Changed; other sessions ended"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Sent with an API key, even one granted `llavero:manage` (`key_not_allowed`)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The user signs in through the identity provider and has no Llavero password (`no_local_password`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Wrong current password (`current_password_invalid`) or a new password that is not allowed (`password_invalid`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts", body = Problem, content_type = "application/problem+json",
            headers(("retry-after" = u64, description = "Seconds to wait"))),
        (status = 503, description = "Too many password checks at once (`busy`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("session_cookie" = []))
)]
#[post("/me/password")]
#[tracing::instrument(skip_all)]
pub async fn change_password(
    SignedIn(caller): SignedIn,
    state: web::Data<AppState>,
    body: web::Json<ChangePassword>,
) -> Result<HttpResponse, ApiError> {
    let ChangePassword {
        current_password,
        new_password,
    } = body.into_inner();
    if current_password.is_empty() {
        return Err(ApiError::field("current_password", "is required"));
    }
    if !llavero_domain::names::password_fits(&current_password) {
        return Err(ApiError::field(
            "current_password",
            "is not your current password",
        ));
    }
    let new_password =
        Password::parse(&new_password).map_err(|e| ApiError::field("new_password", e.message))?;
    state
        .app
        .change_own_password(
            &caller.acting(),
            &caller.user,
            caller.session,
            current_password,
            new_password,
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
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
