//! Who is calling: the extractors handlers declare to require authentication.
//!
//! - [`Caller`]: any authenticated user, by API key (`MC-Api-Key` or
//!   `Authorization: Bearer`) or by session cookie. The user row is read on
//!   every request, so a role change or a disabled account applies at once to
//!   every key and session.
//! - [`Admin`]: a caller whose role is `admin`.
//! - [`Manager`] and [`AdminManager`]: the same, for what changes keys or
//!   users, which needs a signed-in session or a key its owner granted
//!   `llavero:manage`: any other key is refused (403 `key_not_allowed`), so
//!   a stolen key cannot mint the thief new keys or accounts that outlive
//!   its revocation. A key with scopes but without `llavero:manage` may not
//!   use Llavero's own API at all (403 `scope_missing`): it was made for
//!   the portal's API only.
//! - [`AdminSession`]: an admin with a session, never a key: what creates
//!   or changes users and webhooks, which would outlive a stolen key.
//! - [`SignedIn`]: a caller with a session, never a key (not even one
//!   granted `llavero:manage`): what acts on the account itself — its
//!   password, all of its sessions.
//! - [`KeyHolder`]: a caller authenticated by an API key only (a session
//!   cookie is ignored): what a gateway's forward-auth request carries.
//! - [`Service`]: a gateway presenting the `/verify` service token.
//!
//! Key checking itself is the verifier's (`llavero_app::verification`), shared
//! with `/verify`; cookies and session lifetimes are in [`session`].

pub mod device;
pub mod flow_cookie;
pub mod session;

use std::future::Future;
use std::pin::Pin;

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};
use llavero_domain::hashing::constant_time_eq;
use llavero_domain::limits::MANAGE;
use llavero_domain::{Scopes, TokenHash};
use llavero_types::{ApiKey, ErrorCode, Role, User};
use uuid::Uuid;

use crate::client_ip::client_ip;
use crate::error::ApiError;
use crate::state::AppState;
use llavero_app::usecases::Acting;
use llavero_app::verification::{Refusal, Verdict};
use llavero_app::wire::ToWire;
use llavero_store::activity::UserRef;

/// The header the portal's clients send keys in.
pub const API_KEY_HEADER: &str = "MC-Api-Key";

type LocalFuture<T> = Pin<Box<dyn Future<Output = T>>>;

/// An authenticated request's caller.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    /// The key that authenticated the request, if a key did.
    pub api_key: Option<ApiKey>,
    /// That key's scopes (`All` for a session).
    pub scopes: Scopes,
    /// The session's id, if a session cookie did.
    pub session: Option<Uuid>,
    /// The client address.
    pub ip: Option<String>,
}

impl Caller {
    /// Who acts, for the activity log: this user, from its address, with its key.
    pub fn acting(&self) -> Acting {
        Acting {
            actor: Some(UserRef {
                id: self.user.id,
                username: self.user.username.clone(),
            }),
            ip: self.ip.clone(),
            api_key_id: self.api_key.as_ref().map(|k| k.id),
        }
    }

    pub fn is_admin(&self) -> bool {
        self.user.role == Role::Admin
    }
}

fn state_of(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("application state is not registered")))
}

/// The API key a request presents, if any.
fn presented_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let from_header = req
        .headers()
        .get(API_KEY_HEADER)
        .map(|v| v.to_str().map(|s| s.trim().to_owned()));
    let from_bearer = req.headers().get(header::AUTHORIZATION).map(|v| {
        v.to_str().map(|s| {
            s.strip_prefix("Bearer ")
                .or_else(|| s.strip_prefix("bearer "))
                .map(|k| k.trim().to_owned())
        })
    });
    let bad = || {
        ApiError::new(
            ErrorCode::KeyMalformed,
            "the API key header is not valid text",
        )
    };
    let header_key = from_header.transpose().map_err(|_| bad())?;
    let bearer_key = from_bearer.transpose().map_err(|_| bad())?.flatten();
    match (header_key, bearer_key) {
        // Ambiguous credentials authenticate nobody.
        (Some(a), Some(b)) if a != b => Err(ApiError::new(
            ErrorCode::CredentialsAmbiguous,
            format!("{API_KEY_HEADER} and Authorization carry different keys; send one"),
        )),
        (Some(k), _) | (None, Some(k)) => Ok(Some(k)),
        (None, None) => Ok(None),
    }
}

/// The caller authenticated by `raw`, a presented key, from address `ip`,
/// for something that needs every scope in `needed`.
async fn by_key(
    state: &AppState,
    raw: &str,
    ip: Option<String>,
    needed: &[String],
) -> Result<Caller, ApiError> {
    match state
        .app
        .verifier
        .verify(raw, ip.as_deref(), needed)
        .await?
    {
        Verdict::Valid { owner, key } => Ok(Caller {
            user: owner,
            // Only a key's own path pays for this copy; /verify does not.
            scopes: key.scopes.clone().map_or(Scopes::All, Scopes::Only),
            api_key: Some(key),
            session: None,
            ip,
        }),
        Verdict::Refused(why) => Err(refusal(why, needed)),
    }
}

async fn authenticate(req: HttpRequest) -> Result<Caller, ApiError> {
    let state = state_of(&req)?;
    let ip = client_ip(&req, &state.trusted_proxies);
    if let Some(raw) = presented_key(&req)? {
        let caller = by_key(&state, &raw, ip, &[]).await?;
        // A key limited to the portal's scopes was not made for this API.
        if matches!(caller.scopes, Scopes::Only(_)) && !caller.scopes.allows(MANAGE) {
            return Err(ApiError::new(
                ErrorCode::ScopeMissing,
                format!("this API key is limited to the portal's scopes; Llavero's own API needs {MANAGE}"),
            ));
        }
        return Ok(caller);
    }
    if let Some(token) = state.sessions.token_from(&req) {
        let hash = TokenHash::of(&state.app.pepper, &token);
        let idle = chrono::Duration::from_std(state.sessions.idle)
            .map_err(|e| ApiError::internal(anyhow::anyhow!("session idle timeout: {e}")))?;
        return match state.app.store.session_find(&hash, idle).await? {
            Some((live, owner)) if !owner.user.disabled => {
                // The idle clock is kept to the minute: one write a minute
                // per busy session, not one per request.
                if live.last_seen < llavero_store::now() - chrono::Duration::minutes(1) {
                    state.app.store.session_touch(live.id).await?;
                }
                Ok(Caller {
                    user: owner.user.to_wire(),
                    api_key: None,
                    scopes: Scopes::All,
                    session: Some(live.id),
                    ip,
                })
            }
            Some(_) => Err(ApiError::new(
                ErrorCode::AccountDisabled,
                "this account is disabled",
            )),
            None => Err(ApiError::new(
                ErrorCode::SessionExpired,
                "the session has expired or ended; sign in again",
            )),
        };
    }
    Err(ApiError::new(
        ErrorCode::AuthenticationRequired,
        format!("authentication required: sign in, or send an API key in {API_KEY_HEADER} or Authorization: Bearer"),
    ))
}

/// Why a presented key was refused, for the problem's detail.
fn refusal(why: Refusal, needed: &[String]) -> ApiError {
    let (code, detail): (_, std::borrow::Cow<'static, str>) = match why {
        Refusal::Malformed => (
            ErrorCode::KeyMalformed,
            "the API key is malformed (wrong prefix, length or checksum)".into(),
        ),
        Refusal::Unknown => (ErrorCode::KeyUnknown, "the API key is not valid".into()),
        Refusal::Revoked => (ErrorCode::KeyRevoked, "the API key has been revoked".into()),
        Refusal::Expired => (ErrorCode::KeyExpired, "the API key has expired".into()),
        Refusal::OwnerDisabled => (
            ErrorCode::OwnerDisabled,
            "the API key's owner is disabled".into(),
        ),
        Refusal::Superseded => (
            ErrorCode::KeyRevoked,
            "this API key's secret was replaced by a roll and its grace period has ended".into(),
        ),
        Refusal::IpNotAllowed => (
            ErrorCode::IpNotAllowed,
            "the API key may not be used from this address".into(),
        ),
        Refusal::ScopeMissing => (
            ErrorCode::ScopeMissing,
            format!(
                "the API key lacks a required scope (needed: {})",
                needed.join(" ")
            )
            .into(),
        ),
    };
    ApiError::new(code, detail)
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalFuture<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(authenticate(req.clone()))
    }
}

/// An authenticated caller with the `admin` role.
#[derive(Debug, Clone)]
pub struct Admin(pub Caller);

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = LocalFuture<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Ok(Admin(admin(authenticate(req).await?)?)) })
    }
}

fn admin(caller: Caller) -> Result<Caller, ApiError> {
    if caller.is_admin() {
        Ok(caller)
    } else {
        Err(ApiError::new(
            ErrorCode::AdminRequired,
            "this needs the admin role",
        ))
    }
}

/// A caller allowed to change keys: signed in with a session, or holding a
/// key granted `llavero:manage`.
#[derive(Debug, Clone)]
pub struct Manager(pub Caller);

fn managing(caller: Caller) -> Result<Caller, ApiError> {
    if caller.api_key.is_some() && !caller.scopes.allows(MANAGE) {
        Err(ApiError::key_not_allowed())
    } else {
        Ok(caller)
    }
}

impl FromRequest for Manager {
    type Error = ApiError;
    type Future = LocalFuture<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Ok(Manager(managing(authenticate(req).await?)?)) })
    }
}

/// A caller signed in with a session: any key is refused.
#[derive(Debug, Clone)]
pub struct SignedIn(pub Caller);

impl FromRequest for SignedIn {
    type Error = ApiError;
    type Future = LocalFuture<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let caller = authenticate(req).await?;
            if caller.api_key.is_some() {
                return Err(ApiError::new(
                    ErrorCode::KeyNotAllowed,
                    "this acts on the account itself and needs a signed-in session; no API key may do it",
                ));
            }
            Ok(SignedIn(caller))
        })
    }
}

/// An admin allowed to act on users' keys: signed in with a session, or
/// holding a key granted `llavero:manage`.
#[derive(Debug, Clone)]
pub struct AdminManager(pub Caller);

impl FromRequest for AdminManager {
    type Error = ApiError;
    type Future = LocalFuture<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Ok(AdminManager(managing(admin(authenticate(req).await?)?)?)) })
    }
}

/// An admin signed in with a session: no key, not even one granted
/// `llavero:manage`. What a stolen key must never be able to leave behind
/// goes through it — users (created, disabled, promoted, given a password)
/// and webhooks (a standing copy of every event, or a probe of the
/// network) outlive the key's revocation; keys themselves do not.
#[derive(Debug, Clone)]
pub struct AdminSession(pub Caller);

impl FromRequest for AdminSession {
    type Error = ApiError;
    type Future = LocalFuture<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let caller = admin(authenticate(req).await?)?;
            if caller.api_key.is_some() {
                return Err(ApiError::new(
                    ErrorCode::KeyNotAllowed,
                    "users and webhooks are changed by a signed-in admin; no API key may do it",
                ));
            }
            Ok(AdminSession(caller))
        })
    }
}

/// A caller authenticated by an API key, never by a session: a gateway's
/// forward-auth request passes the client's headers on, cookies included,
/// and a browser's session must not open an API meant for keys.
#[derive(Debug, Clone)]
pub struct KeyHolder(pub Caller);

/// What a gateway asks a forward-auth check to require: every scope named
/// in `X-Llavero-Require-Scope` and in `?scope=` (each may list several,
/// separated by spaces or commas). Both count, so a client that adds a
/// header or a query of its own (nginx passes the client's headers on) can
/// only make the check stricter, never lift the gateway's requirement.
pub const REQUIRE_SCOPE_HEADER: &str = "X-Llavero-Require-Scope";

fn required_scopes(req: &HttpRequest) -> Vec<String> {
    let mut needed: Vec<String> = Vec::new();
    let mut add = |list: &str| {
        needed.extend(
            list.split([' ', ','])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
        );
    };
    for value in req.headers().get_all(REQUIRE_SCOPE_HEADER) {
        // A value that is not text names no scope anyone holds.
        add(value.to_str().unwrap_or("\u{fffd}"));
    }
    for (name, value) in form_urlencoded::parse(req.query_string().as_bytes()) {
        if name == "scope" {
            add(&value);
        }
    }
    needed
}

async fn key_holder(req: HttpRequest) -> Result<KeyHolder, ApiError> {
    let state = state_of(&req)?;
    let Some(raw) = presented_key(&req)? else {
        return Err(ApiError::new(
            ErrorCode::AuthenticationRequired,
            format!("an API key is required, in {API_KEY_HEADER} or Authorization: Bearer"),
        ));
    };
    let ip = client_ip(&req, &state.trusted_proxies);
    let needed = required_scopes(&req);
    Ok(KeyHolder(by_key(&state, &raw, ip, &needed).await?))
}

impl FromRequest for KeyHolder {
    type Error = ApiError;
    type Future = LocalFuture<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(key_holder(req.clone()))
    }
}

/// A platform service holding the `/verify` token.
#[derive(Debug, Clone, Copy)]
pub struct Service;

impl FromRequest for Service {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(check_service(req))
    }
}

fn check_service(req: &HttpRequest) -> Result<Service, ApiError> {
    let state = state_of(req)?;
    let Some(expected) = &state.verify_token else {
        return Err(ApiError::new(
            ErrorCode::VerificationDisabled,
            "key verification is disabled: the operator has not set LLAVERO_VERIFY_TOKEN",
        ));
    };
    bearer_is(
        req,
        expected,
        "verification needs the service token in Authorization: Bearer",
    )?;
    Ok(Service)
}

/// The operator's leak scanner, holding `LLAVERO_LEAKS_TOKEN` — a token of
/// its own: the `/verify` token every gateway holds must not revoke keys.
#[derive(Debug, Clone, Copy)]
pub struct LeakScanner;

impl FromRequest for LeakScanner {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(check_scanner(req))
    }
}

fn check_scanner(req: &HttpRequest) -> Result<LeakScanner, ApiError> {
    let state = state_of(req)?;
    let Some(expected) = &state.leaks_token else {
        return Err(ApiError::new(
            ErrorCode::NotConfigured,
            "leak reports from scanners are off: the operator has not set LLAVERO_LEAKS_TOKEN",
        ));
    };
    bearer_is(
        req,
        expected,
        "leak reports need the leaks token in Authorization: Bearer",
    )?;
    Ok(LeakScanner)
}

/// Whether `req` carries `expected` as its bearer, compared in constant
/// time (the service, leaks and metrics tokens).
pub fn bearer_matches(req: &HttpRequest, expected: &llavero_domain::Secret<String>) -> bool {
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.strip_prefix("Bearer "))
        .unwrap_or("");
    constant_time_eq(presented.as_bytes(), expected.expose().as_bytes())
}

/// `Ok` when `req` carries `expected` as its bearer; else 401
/// `service_token_invalid` saying `what`.
fn bearer_is(
    req: &HttpRequest,
    expected: &llavero_domain::Secret<String>,
    what: &'static str,
) -> Result<(), ApiError> {
    if bearer_matches(req, expected) {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::ServiceTokenInvalid, what))
    }
}
