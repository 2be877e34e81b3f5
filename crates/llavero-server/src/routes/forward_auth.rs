//! `/api/v1/forward-auth[/…]`, any method: the authorization sub-request of
//! the gateways portals run — nginx `auth_request`, Caddy `forward_auth`,
//! Traefik `forwardAuth`, Envoy `ext_authz` (HTTP service).
//!
//! They all speak one pattern: pass the client's request headers here, let
//! the request through on 2xx, and copy identity headers from the answer
//! onto the upstream request. So the key is read as the client sent it
//! (`MC-Api-Key` or `Authorization: Bearer`, never a session cookie, see
//! [`KeyHolder`]), with the same verifier, cache and last-use recording as
//! every other key use, and the client address from `X-Forwarded-For` of a
//! trusted proxy. The body is never read, whatever its size: no extractor
//! here touches it.
//!
//! Allowed is exactly 200 (Envoy accepts nothing else) with an empty body
//! and the identity headers ([`identity_headers`]). Refused is the usual
//! problem answer (401 with `WWW-Authenticate`, 429, 503), whose code is
//! also in `X-Llavero-Error` for gateways that pass on headers but not
//! bodies. `docs/gateways.md` has each gateway's configuration.

use actix_web::dev::{AppService, HttpServiceFactory};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{web, HttpResponse};
use llavero_types::{Problem, Role};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use utoipa::openapi::path::Paths;
use utoipa::openapi::{RefOr, Schema};
use utoipa_actix_web::OpenApiFactory;

use crate::auth::{Caller, KeyHolder};
use crate::error::ApiError;
use crate::state::AppState;

/// The identity headers of an allowed request, in the order they are sent.
pub const USER_ID: &str = "x-llavero-user-id";
pub const USER: &str = "x-llavero-user";
pub const ROLE: &str = "x-llavero-role";
pub const KEY_ID: &str = "x-llavero-key-id";
/// The key's name, percent-encoded (UTF-8): a name is the owner's free text.
pub const KEY_NAME: &str = "x-llavero-key-name";
/// `*`: every privilege of the owner; else the key's scopes, space-separated.
pub const SCOPES: &str = "x-llavero-scopes";
/// Envoy removes these request headers before the upstream sees them.
const ENVOY_REMOVE: &str = "x-envoy-auth-headers-to-remove";

/// What a percent-encoded header value leaves as it is: RFC 3986's
/// unreserved characters.
const HEADER_TEXT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Authorize a gateway's request by its API key
///
/// For gateways: nginx `auth_request`, Caddy `forward_auth`, Traefik
/// `forwardAuth`, Envoy `ext_authz`. **Any method**, and any path below
/// `/api/v1/forward-auth` (Envoy appends the original path). The key is
/// read as the client sent it (`MC-Api-Key` or `Authorization: Bearer`); a
/// session cookie is ignored; the body is never read. The client address is
/// taken from `X-Forwarded-For` of a trusted proxy
/// (`LLAVERO_TRUSTED_PROXIES`) and recorded as the key's last IP.
///
/// A gateway location can require scopes: in `X-Llavero-Require-Scope`
/// and/or `?scope=` (several separated by spaces or commas; every one named
/// in either place must be held, so a client adding its own can only make
/// the check stricter). A key limited to networks is checked against the
/// client address.
///
/// Allowed: exactly 200, empty body, with the identity headers. Refused:
/// a problem answer whose `code` is also in `X-Llavero-Error`. Never cache
/// either answer: revocation is immediate.
#[utoipa::path(
    method(get, post, put, patch, delete, head, options, trace),
    path = "/forward-auth",
    operation_id = "forward_auth",
    tag = "verify",
    params(
        ("x-llavero-require-scope" = Option<String>, Header, description = "Scopes the request needs (space- or comma-separated)"),
        ("scope" = Option<String>, Query, description = "Scopes the request needs, as a query parameter"),
    ),
    responses(
        (status = 200, description = "Allowed: forward the request with these headers",
            headers(
                ("x-llavero-user-id" = String, description = "The key owner's id (UUID)"),
                ("x-llavero-user" = String, description = "The owner's username (header-safe: `A-Z a-z 0-9 . _ - @`)"),
                ("x-llavero-role" = String, description = "The owner's role now: `admin` or `user`"),
                ("x-llavero-key-id" = String, description = "The key's id (UUID)"),
                ("x-llavero-key-name" = String, description = "The key's name, percent-encoded UTF-8"),
                ("x-llavero-scopes" = String, description = "`*` (all of the owner's privileges), else scope names separated by single spaces"),
                ("x-envoy-auth-headers-to-remove" = String, description = "`mc-api-key, authorization`: Envoy strips the key before the upstream"),
            )),
        (status = 401, description = "No key, or a key that is malformed, unknown, revoked, expired or whose owner is disabled (`code`, also in `X-Llavero-Error`)", body = Problem, content_type = "application/problem+json",
            headers(
                ("www-authenticate" = String, description = "`Bearer realm=\"llavero\"`"),
                ("x-llavero-error" = String, description = "The problem's `code`"),
            )),
        (status = 403, description = "A good key used from outside its networks (`ip_not_allowed`) or lacking a required scope (`scope_missing`); the code is also in `X-Llavero-Error`", body = Problem, content_type = "application/problem+json",
            headers(("x-llavero-error" = String, description = "The problem's `code`"))),
    ),
    security(("api_key" = []), ("bearer" = []))
)]
#[allow(dead_code)] // Documents `check`, the handler registered for both paths.
fn forward_auth() {}

/// The same, below `/forward-auth`: the path's tail is ignored.
#[utoipa::path(
    method(get, post, put, patch, delete, head, options, trace),
    path = "/forward-auth/{tail}",
    operation_id = "forward_auth_path",
    tag = "verify",
    params(
        ("tail" = String, Path, description = "The original request's path (Envoy's `path_prefix` appends it); ignored"),
        ("x-llavero-require-scope" = Option<String>, Header, description = "Scopes the request needs (space- or comma-separated)"),
        ("scope" = Option<String>, Query, description = "Scopes the request needs, as a query parameter"),
    ),
    responses(
        (status = 200, description = "Allowed (see `forward_auth`)"),
        (status = 401, description = "Refused (see `forward_auth`)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Refused: `ip_not_allowed` or `scope_missing` (see `forward_auth`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []), ("bearer" = []))
)]
#[allow(dead_code)]
fn forward_auth_path() {}

/// The handler for both paths, every method.
#[tracing::instrument(level = "debug", skip_all)]
async fn check(
    holder: Result<KeyHolder, ApiError>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    match holder {
        Ok(KeyHolder(caller)) => {
            state.app.metrics.observe_forward_auth("allowed");
            tracing::debug!(outcome = "allowed", "forward-auth");
            let mut res = HttpResponse::Ok();
            for (name, value) in identity_headers(&caller) {
                res.insert_header((name, value));
            }
            Ok(res.finish())
        }
        Err(e) => {
            state.app.metrics.observe_forward_auth(e.code().as_str());
            // One INFO line per refusal, in the request's span (its id and
            // client address); an allowed request leaves none at INFO.
            tracing::info!(code = e.code().as_str(), "key refused");
            Err(e.with_code_header())
        }
    }
}

/// The headers an allowed request is forwarded with. Every value is safe
/// in a header: ids and roles are ASCII, usernames are restricted to
/// `A-Z a-z 0-9 . _ - @`, and a key's name is percent-encoded.
pub fn identity_headers(caller: &Caller) -> Vec<(HeaderName, HeaderValue)> {
    let text = |s: &str| {
        HeaderValue::from_str(s).unwrap_or_else(|_| {
            // Unreachable for the values above; encoded rather than dropped.
            HeaderValue::from_str(&utf8_percent_encode(s, HEADER_TEXT).to_string())
                .unwrap_or_else(|_| HeaderValue::from_static(""))
        })
    };
    let role = match caller.user.role {
        Role::Admin => "admin",
        Role::User => "user",
    };
    let mut headers = vec![
        (
            HeaderName::from_static(USER_ID),
            text(&caller.user.id.to_string()),
        ),
        (HeaderName::from_static(USER), text(&caller.user.username)),
        (
            HeaderName::from_static(ROLE),
            HeaderValue::from_static(role),
        ),
        (
            HeaderName::from_static(SCOPES),
            // Scope names are `[a-z0-9_.:-]`: always header-safe.
            text(&caller.scopes.header_value()),
        ),
        (
            HeaderName::from_static(ENVOY_REMOVE),
            HeaderValue::from_static("mc-api-key, authorization"),
        ),
    ];
    if let Some(key) = &caller.api_key {
        headers.push((HeaderName::from_static(KEY_ID), text(&key.id.to_string())));
        headers.push((
            HeaderName::from_static(KEY_NAME),
            text(&utf8_percent_encode(&key.name, HEADER_TEXT).to_string()),
        ));
    }
    headers
}

/// Mounts [`check`] on `/forward-auth` and `/forward-auth/{tail:.*}` for
/// every method, documented by the two annotated functions above.
pub struct Routes;

impl HttpServiceFactory for Routes {
    fn register(self, config: &mut AppService) {
        web::resource(["/forward-auth", "/forward-auth/{tail:.*}"])
            .route(web::route().to(check))
            .register(config);
    }
}

impl OpenApiFactory for Routes {
    fn paths(&self) -> Paths {
        let mut paths = OpenApiFactory::paths(&__path_forward_auth);
        paths.merge(OpenApiFactory::paths(&__path_forward_auth_path));
        paths
    }

    fn schemas(&self, schemas: &mut Vec<(String, RefOr<Schema>)>) {
        OpenApiFactory::schemas(&__path_forward_auth, schemas);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use llavero_types::{ApiKey, User};
    use uuid::Uuid;

    #[test]
    fn identity_headers_are_header_safe_for_any_key_name() {
        let caller = Caller {
            user: User {
                id: Uuid::nil(),
                username: "ana.perez@acme".to_owned(),
                role: Role::User,
                disabled: false,
                oidc: false,
                created_at: Utc::now(),
            },
            api_key: Some(ApiKey {
                id: Uuid::nil(),
                name: "Facturación\r\nX-Llavero-Role: admin ñ".to_owned(),
                hint: "mco_…abcd".to_owned(),
                created_at: Utc::now(),
                last_used_at: None,
                last_used_ip: None,
                expires_at: None,
                scopes: Some(vec!["compute:read".into(), "dns:edit".into()]),
                allowed_cidrs: Vec::new(),
                previous_secret_expires_at: None,
                forgotten: false,
            }),
            scopes: llavero_domain::Scopes::Only(vec!["compute:read".into(), "dns:edit".into()]),
            session: None,
            ip: None,
        };
        let headers = identity_headers(&caller);
        let get = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.to_str().unwrap_or("(not text)").to_owned())
        };
        assert_eq!(get(USER).as_deref(), Some("ana.perez@acme"));
        assert_eq!(get(ROLE).as_deref(), Some("user"));
        assert_eq!(get(SCOPES).as_deref(), Some("compute:read dns:edit"));
        assert_eq!(
            get(KEY_NAME).as_deref(),
            Some("Facturaci%C3%B3n%0D%0AX-Llavero-Role%3A%20admin%20%C3%B1")
        );
    }
}
