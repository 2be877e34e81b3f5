//! `/healthz` (the process answers) and `/readyz` (the database answers), for
//! load balancers and orchestrators. Unversioned, outside `/api/v1`.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use crate::state::AppState;

/// 200 while the process serves requests.
#[tracing::instrument(skip_all)]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// 200 when the database answers; 503 otherwise (the cause goes to the log).
#[tracing::instrument(skip_all)]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match state.app.store.ping().await {
        Ok(()) => HttpResponse::Ok().json(json!({ "status": "ready" })),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            HttpResponse::ServiceUnavailable()
                .json(json!({ "status": "unavailable", "detail": "the database does not answer" }))
        }
    }
}

/// Prometheus metrics of this process — for the operator only: on the
/// second listener (`LLAVERO_METRICS_LISTEN`), or on the main one behind
/// `LLAVERO_METRICS_TOKEN` as a bearer when that is set.
#[tracing::instrument(skip_all)]
pub async fn metrics(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    if let Some(expected) = &state.metrics_token {
        if !crate::auth::bearer_matches(&req, expected) {
            return HttpResponse::Unauthorized()
                .insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"metrics\""))
                .json(json!({ "status": "unauthorized", "detail": "the metrics token is required as a bearer" }));
        }
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.app.metrics.render(
            state.app.store.pool_stats(),
            state.app.verifier.cached(),
            state.app.verifier.looked_up(),
            state.app.verifier.usage_stats(),
        ))
}
