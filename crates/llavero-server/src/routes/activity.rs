//! `GET /api/v1/activity`: the audit log (own events; an admin sees all).

use actix_web::{get, web};
use llavero_app::wire::ToWire;
use llavero_store::activity::ActivityScope;
use llavero_types::{ActivityFilter, ActivityList, ErrorCode, PageQuery, Problem};

use super::{cursor, page_request};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// List activity
///
/// Audit events, newest first: who did what, when, from which address and
/// with which key. A user sees the events they caused and those about their
/// keys; an admin sees all, or with `user` one user's: those and the events
/// about that user's account.
#[utoipa::path(
    operation_id = "activity_list",
    tag = "activity",
    params(PageQuery, ActivityFilter),
    responses(
        (status = 200, description = "One page of events", body = ActivityList),
        (status = 400, description = "Bad limit, cursor, action or user", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`user` given by someone who is not an admin", body = Problem, content_type = "application/problem+json"),
    ),
    security(("session_cookie" = []), ("api_key" = []), ("bearer" = []))
)]
#[get("/activity")]
#[tracing::instrument(skip_all)]
pub async fn list(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
    filter: web::Query<ActivityFilter>,
) -> Result<web::Json<ActivityList>, ApiError> {
    let user = if caller.is_admin() {
        filter.user
    } else if filter.user.is_some_and(|u| u != caller.user.id) {
        return Err(ApiError::new(
            ErrorCode::AdminRequired,
            "only an admin may see another user's activity",
        ));
    } else {
        Some(caller.user.id)
    };
    let scope = ActivityScope {
        user,
        about_account: caller.is_admin(),
        action: filter.action,
    };
    let page = state
        .app
        .store
        .activity_list(scope, page_request(&query)?)
        .await?;
    Ok(web::Json(ActivityList {
        data: page.items.to_wire(),
        next_cursor: cursor(page.next),
    }))
}
