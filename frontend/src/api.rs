//! A typed client for the Llavero API, over the browser's `fetch`.
//!
//! Same origin as the app, so the `SameSite=Strict`, `HttpOnly` session
//! cookie travels by itself and no script ever sees it. Bodies are the
//! `llavero-types` the server uses, so the two cannot drift apart.

use gloo_net::http::{Request, RequestBuilder, Response};
use llavero_types::{
    ActivityList, ApiKey, ApiKeyCreated, ApiKeyList, ApiKeyResponse, ChangePassword, CreateApiKey,
    CreateUser, ErrorCode, InfoResponse, KeyUsage, KeyUsageResponse, LoginRequest, Me, MeResponse,
    RollApiKey, ScopeList, UpdateApiKey, UpdateUser, User, UserList, UserResponse,
};
use serde::de::value::StrDeserializer;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

const BASE: &str = "/api/v1";

/// Why a call failed, as the screens need to tell it.
/// Why a call failed. The app branches on the problem's stable `code`,
/// never on its prose (`detail` is shown only as a last resort).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The server answered with a problem.
    Problem {
        /// `None`: a code this build does not know yet (a newer server,
        /// during a rolling deploy); the status still tells the kind.
        code: Option<ErrorCode>,
        status: u16,
        detail: String,
        /// `Retry-After`, in seconds, when the server sent one.
        retry_after: Option<u64>,
    },
    /// No answer, or one that is not a problem body.
    Network(String),
}

impl ApiError {
    /// Whether the caller is no longer signed in (the app then shows sign-in).
    pub fn signed_out(&self) -> bool {
        match self {
            ApiError::Problem {
                code: Some(code), ..
            } => matches!(
                code,
                ErrorCode::AuthenticationRequired
                    | ErrorCode::SessionExpired
                    | ErrorCode::AccountDisabled
            ),
            ApiError::Problem {
                code: None, status, ..
            } => *status == 401,
            ApiError::Network(_) => false,
        }
    }
}

/// A problem body read leniently: the code as text first, so that an
/// unknown code does not make the whole answer unreadable.
#[derive(Deserialize)]
struct WireProblem {
    title: String,
    code: String,
    detail: Option<String>,
}

async fn problem_of(res: Response) -> ApiError {
    let status = res.status();
    let retry_after = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.parse().ok());
    match res.json::<WireProblem>().await {
        Ok(p) => ApiError::Problem {
            code: ErrorCode::deserialize(StrDeserializer::<serde::de::value::Error>::new(&p.code))
                .ok(),
            status,
            detail: p.detail.unwrap_or(p.title),
            retry_after,
        },
        Err(_) => ApiError::Network(format!("HTTP {status}")),
    }
}

async fn answer(res: Result<Response, gloo_net::Error>) -> Result<Response, ApiError> {
    let res = res.map_err(|e| ApiError::Network(e.to_string()))?;
    if res.ok() {
        Ok(res)
    } else {
        Err(problem_of(res).await)
    }
}

async fn json_of<T: DeserializeOwned>(res: Response) -> Result<T, ApiError> {
    res.json::<T>()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))
}

async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    json_of(answer(Request::get(&format!("{BASE}{path}")).send().await).await?).await
}

async fn with_body<B: Serialize, T: DeserializeOwned>(
    req: RequestBuilder,
    body: &B,
) -> Result<T, ApiError> {
    let req = req
        .json(body)
        .map_err(|e| ApiError::Network(e.to_string()))?;
    json_of(answer(req.send().await).await?).await
}

/// `GET /info`: the API endpoint URL shown atop the list.
pub async fn info() -> Result<InfoResponse, ApiError> {
    get("/info").await
}

/// `GET /me`: who is signed in (401 when nobody).
pub async fn me() -> Result<Me, ApiError> {
    get::<MeResponse>("/me").await.map(|r| r.data)
}

/// `POST /auth/login`.
pub async fn login(username: String, password: String) -> Result<Me, ApiError> {
    with_body::<_, MeResponse>(
        Request::post(&format!("{BASE}/auth/login")),
        &LoginRequest { username, password },
    )
    .await
    .map(|r| r.data)
}

/// `POST /auth/logout`.
pub async fn logout() -> Result<(), ApiError> {
    answer(Request::post(&format!("{BASE}/auth/logout")).send().await)
        .await
        .map(|_| ())
}

/// `POST /auth/oidc/logout`, asking for JSON: where to send the browser
/// (the provider's end-session page), read from `Location` (the body says
/// the same; its parser would cost the download more). A form would be
/// refused by the page's `form-action 'self'` once it redirects away.
pub async fn oidc_logout() -> Option<String> {
    let res = Request::post(&format!("{BASE}/auth/oidc/logout"))
        .header("accept", "application/json")
        .send()
        .await
        .ok()?;
    res.headers().get("location")
}

/// One page of the caller's keys.
pub async fn list_keys(cursor: Option<String>) -> Result<ApiKeyList, ApiError> {
    match cursor {
        Some(c) => get(&format!("/api-keys?limit=50&cursor={c}")).await,
        None => get("/api-keys?limit=50").await,
    }
}

/// `POST /api-keys`: the new key and its secret (shown once).
pub async fn create_key(body: CreateApiKey) -> Result<ApiKeyCreated, ApiError> {
    with_body(Request::post(&format!("{BASE}/api-keys")), &body).await
}

/// `PATCH /api-keys/{id}`: only the fields present change.
pub async fn update_key(id: Uuid, body: UpdateApiKey) -> Result<ApiKey, ApiError> {
    with_body::<_, ApiKeyResponse>(Request::patch(&format!("{BASE}/api-keys/{id}")), &body)
        .await
        .map(|r| r.data)
}

/// `POST /api-keys/{id}/roll`: the key with its new secret (shown once).
pub async fn roll_key(id: Uuid, grace_seconds: i64) -> Result<ApiKeyCreated, ApiError> {
    with_body(
        Request::post(&format!("{BASE}/api-keys/{id}/roll")),
        &RollApiKey { grace_seconds },
    )
    .await
}

/// `GET /api-keys/{id}/usage`: the key's use over the last 90 days.
pub async fn key_usage(id: Uuid) -> Result<KeyUsage, ApiError> {
    get::<KeyUsageResponse>(&format!("/api-keys/{id}/usage"))
        .await
        .map(|r| r.data)
}

/// `GET /scopes`: the catalogue a key may be limited to.
pub async fn scopes() -> Result<ScopeList, ApiError> {
    get("/scopes").await
}

/// `DELETE /api-keys/{id}`.
pub async fn revoke_key(id: Uuid) -> Result<(), ApiError> {
    answer(
        Request::delete(&format!("{BASE}/api-keys/{id}"))
            .send()
            .await,
    )
    .await
    .map(|_| ())
}

/// One page of activity, newest first, as `filter` narrows it.
pub async fn activity(
    cursor: Option<&str>,
    action: Option<&str>,
    user: Option<Uuid>,
) -> Result<ActivityList, ApiError> {
    let mut path = String::from("/activity?limit=50");
    for (name, value) in [
        ("cursor", cursor.map(str::to_owned)),
        ("action", action.map(str::to_owned)),
        ("user", user.map(|u| u.to_string())),
    ] {
        if let Some(v) = value {
            path.push_str(&format!("&{name}={v}"));
        }
    }
    get(&path).await
}

/// `GET /users`: the first 200 users, newest first (admins).
pub async fn users() -> Result<UserList, ApiError> {
    get("/users?limit=200").await
}

/// `POST /users` (admins).
pub async fn create_user(body: CreateUser) -> Result<User, ApiError> {
    with_body::<_, UserResponse>(Request::post(&format!("{BASE}/users")), &body)
        .await
        .map(|r| r.data)
}

/// `PATCH /users/{id}` (admins): role, disabled, or a new password.
pub async fn update_user(id: Uuid, body: UpdateUser) -> Result<User, ApiError> {
    with_body::<_, UserResponse>(Request::patch(&format!("{BASE}/users/{id}")), &body)
        .await
        .map(|r| r.data)
}

/// `GET /users/{id}/api-keys` (admins): the first 200 of a user's keys.
pub async fn user_keys(id: Uuid) -> Result<ApiKeyList, ApiError> {
    get(&format!("/users/{id}/api-keys?limit=200")).await
}

/// `DELETE /users/{id}/api-keys/{key_id}` (admins).
pub async fn revoke_user_key(id: Uuid, key_id: Uuid) -> Result<(), ApiError> {
    answer(
        Request::delete(&format!("{BASE}/users/{id}/api-keys/{key_id}"))
            .send()
            .await,
    )
    .await
    .map(|_| ())
}

/// `POST /me/password`: checks the current password, sets the new one.
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), ApiError> {
    let req = Request::post(&format!("{BASE}/me/password"))
        .json(&ChangePassword {
            current_password,
            new_password,
        })
        .map_err(|e| ApiError::Network(e.to_string()))?;
    answer(req.send().await).await.map(|_| ())
}

/// `POST /auth/logout-everywhere`: ends every session of mine.
pub async fn logout_everywhere() -> Result<(), ApiError> {
    answer(
        Request::post(&format!("{BASE}/auth/logout-everywhere"))
            .send()
            .await,
    )
    .await
    .map(|_| ())
}
