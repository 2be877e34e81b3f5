//! `GET /api/v1/scopes`: the scopes a key may be limited to.

use actix_web::{get, web};
use llavero_types::ScopeList;

use crate::auth::Caller;
use crate::state::AppState;

/// List the scopes keys may hold
///
/// The operator's catalogue (`LLAVERO_SCOPES`, or `scopes` in the
/// configuration file with descriptions in Spanish and English), in its
/// order, then Llavero's own `llavero:manage` (manage the owner's keys; no
/// key holds it unless granted). A key with `scopes: null` holds every
/// privilege of its owner except `llavero:manage`.
#[utoipa::path(
    operation_id = "scope_list",
    tag = "api-keys",
    responses(
        (status = 200, description = "The catalogue", body = ScopeList),
    ),
    security(("session_cookie" = []), ("api_key" = []), ("bearer" = []))
)]
#[get("/scopes")]
#[tracing::instrument(skip_all)]
pub async fn list(_caller: Caller, state: web::Data<AppState>) -> web::Json<ScopeList> {
    web::Json(ScopeList {
        data: state.app.key_policy.scopes.clone(),
    })
}
