//! A typed client for the Llavero API, over the browser's `fetch`.
//!
//! Same origin as the app, so the `SameSite=Strict`, `HttpOnly` session
//! cookie travels by itself and no script ever sees it. Bodies are the
//! `llavero-types` the server uses, so the two cannot drift apart.

use gloo_net::http::{Request, RequestBuilder, Response};
use llavero_types::{
    ApiKey, ApiKeyCreated, ApiKeyList, ApiKeyResponse, CreateApiKey, InfoResponse, LoginRequest,
    Me, MeResponse, Problem, RenameApiKey,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use uuid::Uuid;

const BASE: &str = "/api/v1";

/// Why a call failed, as the screens need to tell it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// 401: no session (or it ended).
    Unauthorized(String),
    /// 429: retry after this many seconds.
    Throttled(u64),
    /// Any other problem answer, with the server's `detail`.
    Problem { status: u16, detail: String },
    /// The request never got an answer.
    Network(String),
}

async fn problem_of(res: Response) -> ApiError {
    let status = res.status();
    if status == 429 {
        let secs = res
            .headers()
            .get("retry-after")
            .and_then(|v| v.parse().ok())
            .unwrap_or(60);
        return ApiError::Throttled(secs);
    }
    let detail = match res.json::<Problem>().await {
        Ok(p) => p.detail.unwrap_or(p.title),
        Err(_) => format!("HTTP {status}"),
    };
    if status == 401 {
        ApiError::Unauthorized(detail)
    } else {
        ApiError::Problem { status, detail }
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

/// One page of the caller's keys.
pub async fn list_keys(cursor: Option<String>) -> Result<ApiKeyList, ApiError> {
    match cursor {
        Some(c) => get(&format!("/api-keys?limit=50&cursor={c}")).await,
        None => get("/api-keys?limit=50").await,
    }
}

/// `POST /api-keys`: the new key and its secret (shown once).
pub async fn create_key(name: String) -> Result<ApiKeyCreated, ApiError> {
    with_body(
        Request::post(&format!("{BASE}/api-keys")),
        &CreateApiKey {
            name,
            expires_at: None,
        },
    )
    .await
}

/// `PATCH /api-keys/{id}`.
pub async fn rename_key(id: Uuid, name: String) -> Result<ApiKey, ApiError> {
    with_body::<_, ApiKeyResponse>(
        Request::patch(&format!("{BASE}/api-keys/{id}")),
        &RenameApiKey { name },
    )
    .await
    .map(|r| r.data)
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
