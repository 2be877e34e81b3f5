//! Sign-in through the identity provider (`/auth/oidc/*`): leave for the
//! provider, come back with a code, sign out of both.
//!
//! These are browser navigations, not API calls, so a failure answers a
//! browser (one that asks for `text/html`) with a redirect to the web
//! app's sign-in page carrying the error's code (`/login?error=…`), which
//! shows it; any other client gets the problem answer. Either way no
//! session starts and the flow cookie is cleared.

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use llavero_types::{ErrorCode, Problem, SignedOut, SignedOutResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::flow_cookie::{self, local_path};
use crate::client_ip::client_ip;
use crate::error::ApiError;
use crate::state::AppState;
use llavero_app::oidc::{Oidc, OidcError};

/// `GET /auth/oidc/login` query.
#[derive(Debug, Deserialize, IntoParams)]
pub struct LoginQuery {
    /// A path of the web app to land on once signed in (default `/`);
    /// anything else is ignored.
    pub return_to: Option<String>,
}

/// `GET /auth/oidc/callback` query: what the provider sends back.
#[derive(Debug, Deserialize, IntoParams)]
pub struct CallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    /// The provider's refusal (`access_denied`, …), instead of a code.
    pub error: Option<String>,
    /// The issuer that answers (RFC 9207); when sent, it must be ours.
    pub iss: Option<String>,
}

fn provider(state: &AppState) -> Result<&Oidc, ApiError> {
    state.app.oidc.as_ref().ok_or_else(|| {
        ApiError::new(
            ErrorCode::NotConfigured,
            "no identity provider is configured here (LLAVERO_OIDC_ISSUER)",
        )
    })
}

fn now() -> i64 {
    llavero_store::now().timestamp()
}

/// Whether the caller is a browser navigating (it asks for HTML).
fn is_browser(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// The answer to a failed step: the sign-in page (browsers) or the problem
/// (anything else), with the flow cookie cleared.
fn failed(state: &AppState, req: &HttpRequest, e: ApiError) -> HttpResponse {
    let code = e.code();
    tracing::info!(%code, reason = %e, "sign-in through the identity provider failed");
    // Built either way: it logs a server-side cause, and carries the error
    // for the request-id middleware to complete the problem body.
    let problem = HttpResponse::from_error(e);
    let mut res = if is_browser(req) {
        HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/login?error={code}")))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish()
    } else {
        problem
    };
    let _ = res.add_cookie(&flow_cookie::removal(state.sessions.secure));
    res
}

/// Sign in through the identity provider
///
/// Starts the authorization code flow (PKCE S256, `state`, nonce): answers
/// 302 to the provider's sign-in page and sets a short-lived flow cookie
/// (`HttpOnly`, `SameSite=Lax`, ten minutes) that the callback needs. Open
/// it in the browser, not with `fetch`.
#[utoipa::path(
    operation_id = "auth_oidc_login",
    tag = "auth",
    params(LoginQuery),
    responses(
        (status = 302, description = "To the provider; the flow cookie is set",
            headers(("location" = String, description = "The provider's authorization URL"))),
        (status = 404, description = "No provider configured (`not_configured`); a browser is sent to `/login?error=…` instead",
            body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The provider cannot be reached (`oidc_unavailable`); a browser is sent to `/login?error=…` instead",
            body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/auth/oidc/login")]
#[tracing::instrument(skip_all)]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<LoginQuery>,
) -> HttpResponse {
    let started = async {
        let oidc = provider(&state)?;
        let return_to = local_path(query.return_to.as_deref());
        Ok::<_, ApiError>(oidc.start(return_to, now()).await?)
    };
    match started.await {
        Ok((url, flow)) => HttpResponse::Found()
            .insert_header((header::LOCATION, url))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .cookie(flow_cookie::cookie(
                &flow,
                &state.app.pepper,
                state.sessions.secure,
            ))
            .finish(),
        Err(e) => failed(&state, &req, e),
    }
}

/// Come back from the identity provider
///
/// The redirect URI to register at the provider (`LLAVERO_PUBLIC_URL` +
/// `/api/v1/auth/oidc/callback`). Checks `state` against the flow cookie,
/// trades the code for tokens, validates the ID token, finds or creates
/// the user (by issuer and `sub`), sets the role from the roles claim,
/// starts a session and sends the browser to the web app.
#[utoipa::path(
    operation_id = "auth_oidc_callback",
    tag = "auth",
    params(CallbackQuery),
    responses(
        (status = 303, description = "Signed in: to the web app, with the session cookie set; or, for a browser, a failure: to `/login?error=<code>`",
            headers(("location" = String, description = "Where the browser goes next"))),
        (status = 400, description = "A missing or wrong `state` (`oidc_state_invalid`), the provider's refusal (`oidc_denied`), a code it will not redeem (`oidc_code_rejected`), an ID token that fails validation (`oidc_token_invalid`), or no code (`query_malformed`)",
            body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The user is disabled in Llavero (`account_disabled`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No provider configured (`not_configured`)",
            body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The provider cannot be reached (`oidc_unavailable`)",
            body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/auth/oidc/callback")]
#[tracing::instrument(skip_all)]
pub async fn callback(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<CallbackQuery>,
) -> HttpResponse {
    let finished = async {
        let oidc = provider(&state)?;
        let flow = flow_cookie::from_request(&req, &state.app.pepper, state.sessions.secure, now())
            .ok_or(OidcError::StateInvalid)?;
        let sent = query.state.as_deref().unwrap_or_default();
        if !llavero_domain::hashing::constant_time_eq(sent.as_bytes(), flow.state.as_bytes()) {
            return Err(OidcError::StateInvalid.into());
        }
        if query.iss.as_deref().is_some_and(|iss| iss != oidc.issuer()) {
            // A mix-up: another provider's answer sent here.
            return Err(OidcError::Denied("the answer names another issuer".into()).into());
        }
        if let Some(error) = &query.error {
            return Err(OidcError::Denied(error.clone()).into());
        }
        let code = query
            .code
            .clone()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| ApiError::new(ErrorCode::QueryMalformed, "the provider sent no code"))?;
        let who = oidc.finish(&flow, code).await?;
        let ip = client_ip(&req, &state.trusted_proxies);
        let signed_in = state.app.sign_in_with_provider(&who, ip).await?;
        Ok::<_, ApiError>((signed_in, flow.return_to))
    };
    match finished.await {
        Ok((signed_in, return_to)) => HttpResponse::SeeOther()
            .insert_header((header::LOCATION, return_to))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .cookie(flow_cookie::removal(state.sessions.secure))
            .cookie(state.sessions.cookie(signed_in.token.expose().clone()))
            .finish(),
        Err(e) => failed(&state, &req, e),
    }
}

/// Sign out here and at the identity provider
///
/// Ends this browser's session (like `POST /auth/logout`), then sends the
/// browser to the provider's end-session endpoint when it offers
/// RP-initiated logout (back to `/login` afterwards), else to `/login`.
/// A POST, so that no link or image on another page can trigger it; from
/// another origin it is refused (403 `origin_refused`), and the session
/// cookie is `SameSite=Strict`. Asked for `application/json` (the web
/// app, whose pages may submit forms only to Llavero itself), it answers
/// 200 with where to go instead of redirecting.
#[utoipa::path(
    operation_id = "auth_oidc_logout",
    tag = "auth",
    responses(
        (status = 200, description = "Signed out (asked for JSON): where to go next, in the body and in `Location`", body = SignedOutResponse,
            headers(("location" = String, description = "Where the browser goes next"))),
        (status = 303, description = "Signed out; to the provider's end-session endpoint, or to `/login`",
            headers(("location" = String, description = "Where the browser goes next"))),
    )
)]
#[post("/auth/oidc/logout")]
#[tracing::instrument(skip_all)]
pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    super::auth::end_session(&state, &req).await?;
    let next = match state.app.oidc.as_ref() {
        Some(oidc) => oidc.logout_url().await,
        None => None,
    };
    let location = next.unwrap_or_else(|| "/login".to_owned());
    let wants_json = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    if wants_json {
        return Ok(HttpResponse::Ok()
            .insert_header((header::LOCATION, location.clone()))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .cookie(state.sessions.removal())
            .json(SignedOutResponse {
                data: SignedOut { location },
            }));
    }
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .cookie(state.sessions.removal())
        .finish())
}
