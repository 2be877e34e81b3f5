//! HTTP handlers, one module per resource, and the one list that mounts them.
//!
//! [`configure`] is the single registry: the router and the OpenAPI document
//! are both built from it (through utoipa-actix-web), so a route cannot exist
//! without being documented, nor be documented without existing. Handlers
//! validate input, call the store, record activity and shape the answer; no
//! query is written here.

pub mod activity;
pub mod api_keys;
pub mod auth;
pub mod fallback;
pub mod forward_auth;
pub mod health;
pub mod info;
pub mod key_input;
pub mod leaks;
pub mod oidc;
pub mod scopes;
pub mod usage;
pub mod users;
pub mod verify;
pub mod webhooks;

use llavero_store::PageRequest;
use llavero_types::{ErrorCode, PageQuery};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::error::ApiError;

/// Mounts every `/api/v1` route.
///
/// actix tries routes in this order (a `{param}` route costs a regex match),
/// so the routes on every gateway's and program's path come first. The
/// OpenAPI document sorts paths itself; this order does not show there.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(verify::verify)
        .service(forward_auth::Routes)
        .service(auth::me)
        .service(info::info)
        .service(auth::login)
        .service(oidc::login)
        .service(oidc::callback)
        .service(oidc::logout)
        .service(auth::logout)
        .service(auth::logout_everywhere)
        .service(auth::change_password)
        .service(api_keys::list)
        .service(api_keys::create)
        .service(api_keys::get)
        .service(api_keys::update)
        .service(api_keys::roll)
        .service(api_keys::revoke)
        .service(usage::own)
        .service(scopes::list)
        .service(activity::list)
        .service(users::list)
        .service(users::create)
        .service(users::get)
        .service(users::update)
        .service(users::list_keys)
        .service(users::revoke_key)
        .service(usage::of_user)
        .service(webhooks::list)
        .service(webhooks::create)
        .service(webhooks::get)
        .service(webhooks::update)
        .service(webhooks::remove)
        .service(webhooks::test)
        .service(webhooks::deliveries)
        .service(leaks::github)
        .service(leaks::scanner);
}

/// Default and largest page sizes.
const DEFAULT_LIMIT: u64 = 50;
const MAX_LIMIT: u64 = 200;

/// Validates `limit` and decodes `cursor`.
pub(crate) fn page_request(q: &PageQuery) -> Result<PageRequest, ApiError> {
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::new(
            ErrorCode::QueryMalformed,
            format!("limit must be 1 to {MAX_LIMIT}"),
        ));
    }
    let after = match q.cursor.as_deref() {
        None | Some("") => None,
        Some(c) => Some(Uuid::parse_str(c).map_err(|_| {
            ApiError::new(
                ErrorCode::CursorInvalid,
                "cursor is not one this server issued",
            )
        })?),
    };
    Ok(PageRequest { limit, after })
}

/// The opaque cursor for a page's last id.
pub(crate) fn cursor(next: Option<Uuid>) -> Option<String> {
    next.map(|id| id.to_string())
}
