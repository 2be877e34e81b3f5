//! Webhook endpoints (admins): `/webhooks`, `/webhooks/{id}`, a test event,
//! and each endpoint's recent deliveries. Deliveries follow the Standard
//! Webhooks specification; see docs/webhooks-and-leaks.md for verifying them.

use actix_web::{delete, get, patch, post, web, HttpResponse};
use llavero_app::wire::ToWire;
use llavero_store::webhooks::EndpointChanges;
use llavero_types::{
    CreateWebhook, ErrorCode, FieldError, PageQuery, Problem, UpdateWebhook, WebhookCreated,
    WebhookDeliveryList, WebhookDeliveryResponse, WebhookEventType, WebhookList, WebhookResponse,
};
use uuid::Uuid;

use super::{cursor, page_request};
use crate::auth::{Admin, AdminSession};
use crate::error::ApiError;
use crate::state::AppState;

fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such webhook")
}

/// `events` as sent: null for every event, else known, subscribable types.
fn parse_events(events: Option<Vec<String>>) -> Result<Option<Vec<WebhookEventType>>, FieldError> {
    let Some(names) = events else {
        return Ok(None);
    };
    if names.is_empty() {
        return Err(FieldError {
            field: "events".into(),
            message: "must list at least one event type (null: every event)".into(),
        });
    }
    let mut out = Vec::new();
    for name in names {
        let kind = WebhookEventType::from_name(name.trim())
            .filter(|k| WebhookEventType::SUBSCRIBABLE.contains(k))
            .ok_or_else(|| FieldError {
                field: "events".into(),
                message: format!(
                    "{name:?} is not an event type; known: {}",
                    WebhookEventType::SUBSCRIBABLE
                        .map(|k| k.as_str())
                        .join(", ")
                ),
            })?;
        if !out.contains(&kind) {
            out.push(kind);
        }
    }
    Ok(Some(out))
}

fn url_error(refused: llavero_domain::webhook::UrlRefused) -> FieldError {
    FieldError {
        field: "url".into(),
        message: refused.to_string(),
    }
}

/// List webhook endpoints
#[utoipa::path(
    operation_id = "webhook_list",
    tag = "webhooks",
    params(PageQuery),
    responses(
        (status = 200, description = "One page of endpoints, newest first", body = WebhookList),
        (status = 400, description = "Bad limit or cursor", body = Problem, content_type = "application/problem+json"),
    ),
    security(("session_cookie" = []), ("api_key" = []), ("bearer" = []))
)]
#[get("/webhooks")]
#[tracing::instrument(skip_all)]
pub async fn list(
    _admin: Admin,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<WebhookList>, ApiError> {
    let page = state.app.store.webhook_list(page_request(&query)?).await?;
    Ok(web::Json(WebhookList {
        data: page.items.to_wire(),
        next_cursor: cursor(page.next),
    }))
}

/// Add a webhook endpoint
///
/// Every event (or those in `events`) is POSTed to `url`, signed per the
/// Standard Webhooks specification with the `secret` returned here — shown
/// this once. A 2xx answer within 10 s is a delivery; anything else is
/// retried (the first retry within 10 s, then backing off) for 24 hours.
#[utoipa::path(
    operation_id = "webhook_create",
    tag = "webhooks",
    request_body = CreateWebhook,
    responses(
        (status = 201, description = "Added; the secret is shown only now", body = WebhookCreated),
        (status = 403, description = "Not an admin (`admin_required`), or sent with an API key (`key_not_allowed`): webhooks are changed in a signed-in session", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A refused `url` (`url_invalid`) or unknown `events` (`events_invalid`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("session_cookie" = []))
)]
#[post("/webhooks")]
#[tracing::instrument(skip_all)]
pub async fn create(
    AdminSession(admin): AdminSession,
    state: web::Data<AppState>,
    body: web::Json<CreateWebhook>,
) -> Result<HttpResponse, ApiError> {
    let CreateWebhook { url, events } = body.into_inner();
    let mut errors = Vec::new();
    let url = state
        .app
        .webhook_reach
        .check_url(&url)
        .map_err(|m| errors.push(url_error(m)))
        .ok();
    let events = parse_events(events).map_err(|e| errors.push(e)).ok();
    let (Some(url), Some(events)) = (url, events) else {
        return Err(ApiError::validation(errors));
    };
    let (endpoint, secret) = state
        .app
        .create_webhook(&admin.acting(), url, events)
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "location",
            format!("{}/webhooks/{}", state.own_api, endpoint.id),
        ))
        .insert_header(("cache-control", "no-store"))
        .json(WebhookCreated {
            data: endpoint,
            secret: secret.expose().clone(),
        }))
}

/// Get a webhook endpoint
#[utoipa::path(
    operation_id = "webhook_get",
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The endpoint's id")),
    responses(
        (status = 200, description = "The endpoint", body = WebhookResponse),
    ),
    security(("session_cookie" = []), ("api_key" = []), ("bearer" = []))
)]
#[get("/webhooks/{id}")]
#[tracing::instrument(skip_all, fields(id = %*id))]
pub async fn get(
    _admin: Admin,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<WebhookResponse>, ApiError> {
    let endpoint = state
        .app
        .store
        .webhook_get(*id)
        .await?
        .ok_or_else(not_found)?;
    Ok(web::Json(WebhookResponse {
        data: endpoint.to_wire(),
    }))
}

/// Change a webhook endpoint
///
/// Its URL, its events (null: every event), or whether it is enabled (a
/// disabled endpoint is sent nothing; what was pending ends as `failed`).
#[utoipa::path(
    operation_id = "webhook_update",
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The endpoint's id")),
    request_body = UpdateWebhook,
    responses(
        (status = 200, description = "The endpoint as it now is", body = WebhookResponse),
        (status = 403, description = "Not an admin (`admin_required`), or sent with an API key (`key_not_allowed`): webhooks are changed in a signed-in session", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A refused `url` or `events`, or nothing to change", body = Problem, content_type = "application/problem+json"),
    ),
    security(("session_cookie" = []))
)]
#[patch("/webhooks/{id}")]
#[tracing::instrument(skip_all, fields(id = %*id))]
pub async fn update(
    AdminSession(admin): AdminSession,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<UpdateWebhook>,
) -> Result<web::Json<WebhookResponse>, ApiError> {
    let UpdateWebhook {
        url,
        events,
        enabled,
    } = body.into_inner();
    if url.is_none() && events.is_none() && enabled.is_none() {
        return Err(ApiError::new(
            ErrorCode::NothingToChange,
            "send url, events or enabled",
        ));
    }
    let mut errors = Vec::new();
    let url = match url {
        Some(u) => match state.app.webhook_reach.check_url(&u) {
            Ok(u) => Some(u.url),
            Err(m) => {
                errors.push(url_error(m));
                None
            }
        },
        None => None,
    };
    let events = match events {
        Some(names) => match parse_events(names) {
            Ok(e) => Some(e),
            Err(e) => {
                errors.push(e);
                None
            }
        },
        None => None,
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let endpoint = state
        .app
        .update_webhook(
            &admin.acting(),
            *id,
            EndpointChanges {
                url,
                events,
                enabled,
            },
        )
        .await?;
    Ok(web::Json(WebhookResponse { data: endpoint }))
}

/// Delete a webhook endpoint
///
/// With its deliveries; nothing more is sent to it.
#[utoipa::path(
    operation_id = "webhook_delete",
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The endpoint's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not an admin (`admin_required`), or sent with an API key (`key_not_allowed`): webhooks are changed in a signed-in session", body = Problem, content_type = "application/problem+json"),
    ),
    security(("session_cookie" = []))
)]
#[delete("/webhooks/{id}")]
#[tracing::instrument(skip_all, fields(id = %*id))]
pub async fn remove(
    AdminSession(admin): AdminSession,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    state.app.delete_webhook(&admin.acting(), *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Send a test event
///
/// Queues a `webhook.test` event for this endpoint alone (whatever its
/// `events`); it is sent at once, and its delivery shows in the endpoint's
/// deliveries.
#[utoipa::path(
    operation_id = "webhook_test",
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The endpoint's id")),
    responses(
        (status = 202, description = "Queued", body = WebhookDeliveryResponse),
        (status = 403, description = "Not an admin (`admin_required`), or sent with an API key (`key_not_allowed`): webhooks are changed in a signed-in session", body = Problem, content_type = "application/problem+json"),
    ),
    security(("session_cookie" = []))
)]
#[post("/webhooks/{id}/test")]
#[tracing::instrument(skip_all, fields(id = %*id))]
pub async fn test(
    AdminSession(admin): AdminSession,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let delivery = state.app.test_webhook(&admin.acting(), *id).await?;
    let data = state
        .app
        .store
        .webhook_delivery(*id, delivery)
        .await?
        .ok_or_else(not_found)?;
    Ok(HttpResponse::Accepted().json(WebhookDeliveryResponse {
        data: data.to_wire(),
    }))
}

/// List an endpoint's deliveries
///
/// Newest first (kept 7 days once done): each event sent to this endpoint,
/// its state, attempts, last HTTP status or error, and next attempt.
#[utoipa::path(
    operation_id = "webhook_deliveries",
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The endpoint's id"), PageQuery),
    responses(
        (status = 200, description = "One page of deliveries", body = WebhookDeliveryList),
        (status = 400, description = "Bad id, limit or cursor", body = Problem, content_type = "application/problem+json"),
    ),
    security(("session_cookie" = []), ("api_key" = []), ("bearer" = []))
)]
#[get("/webhooks/{id}/deliveries")]
#[tracing::instrument(skip_all, fields(id = %*id))]
pub async fn deliveries(
    _admin: Admin,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<WebhookDeliveryList>, ApiError> {
    let page = page_request(&query)?;
    state
        .app
        .store
        .webhook_get(*id)
        .await?
        .ok_or_else(not_found)?;
    let page = state.app.store.webhook_deliveries(*id, page).await?;
    Ok(web::Json(WebhookDeliveryList {
        data: page.items.to_wire(),
        next_cursor: cursor(page.next),
    }))
}
