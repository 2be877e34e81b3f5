//! `GET /api/v1/activity`: the audit log (own events; an admin sees all).

use actix_web::{get, web};
use llavero_types::{ActivityList, PageQuery, Problem};

use super::{cursor, page_request};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// List activity
///
/// Audit events, newest first: who did what, when, from which address and
/// with which key. A user sees the events they caused; an admin sees all.
#[utoipa::path(
    operation_id = "activity_list",
    tag = "activity",
    params(PageQuery),
    responses(
        (status = 200, description = "One page of events", body = ActivityList),
        (status = 400, description = "Bad limit or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
    ),
    security(("session_cookie" = []), ("api_key" = []), ("bearer" = []))
)]
#[get("/activity")]
#[tracing::instrument(skip_all)]
pub async fn list(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<ActivityList>, ApiError> {
    let actor = (!caller.is_admin()).then_some(caller.user.id);
    let page = state
        .store
        .activity_list(actor, page_request(&query)?)
        .await?;
    Ok(web::Json(ActivityList {
        data: page.items,
        next_cursor: cursor(page.next),
    }))
}
