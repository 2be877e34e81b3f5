//! `/healthz` (the process answers) and `/readyz` (the database answers), for
//! load balancers and orchestrators. Unversioned, outside `/api/v1`.

use actix_web::{web, HttpResponse};
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
    match state.store.ping().await {
        Ok(()) => HttpResponse::Ok().json(json!({ "status": "ready" })),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            HttpResponse::ServiceUnavailable()
                .json(json!({ "status": "unavailable", "detail": "the database does not answer" }))
        }
    }
}

/// Prometheus metrics of this process.
#[tracing::instrument(skip_all)]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render(
            state.store.pool_stats(),
            state.verifier.cached(),
            state.verifier.looked_up(),
            state.verifier.usage_stats(),
        ))
}
