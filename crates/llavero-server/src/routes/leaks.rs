//! Leaked-key intake: `POST /leaks/github` for GitHub's secret-scanning
//! partner program (signed by GitHub), `POST /leaks` for the operator's own
//! scanners (service token). Both revoke every live key reported at once.

use actix_web::{post, web, HttpRequest, HttpResponse};
use llavero_types::{ErrorCode, LeakFeedback, LeakFeedbackList, LeakReport, Problem};

use crate::auth::LeakScanner;
use crate::error::ApiError;
use crate::state::AppState;
use llavero_app::github_keys::SignatureError;
use llavero_app::usecases::leaks::Reporter;

/// Most reports one request may carry.
pub const MAX_REPORTS: usize = 1000;
/// Largest report body GitHub may send.
const MAX_BODY: usize = 256 * 1024;

fn too_many(n: usize) -> Result<(), ApiError> {
    if n > MAX_REPORTS {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            format!("at most {MAX_REPORTS} reports per request"),
        ));
    }
    Ok(())
}

/// Report leaked keys (GitHub secret scanning)
///
/// GitHub's secret-scanning partner endpoint: a JSON array of
/// `{token, type, url, source}`, signed by GitHub (ECDSA P-256 over the raw
/// body; `Github-Public-Key-Identifier` and `Github-Public-Key-Signature`)
/// with a key from `LLAVERO_GITHUB_SCANNING_KEYS`. Every live key reported
/// is revoked before the answer (a key's previous secret, still in a roll's
/// grace period, is ended instead), recorded in the activity log with where
/// it was found, and sent as `key.leaked`. The answer is GitHub's feedback
/// array, one `{token_hash, token_type, label}` per report (not wrapped in
/// `data`, as GitHub expects). Tokens that fail the key checksum are
/// `false_positive` without any database work.
#[utoipa::path(
    operation_id = "leak_report_github",
    tag = "leaks",
    request_body = Vec<LeakReport>,
    params(
        ("Github-Public-Key-Identifier" = String, Header, description = "The key GitHub signed with"),
    ),
    responses(
        (status = 200, description = "One verdict per report, in order", body = Vec<LeakFeedback>),
        (status = 400, description = "Not a JSON array of reports", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Unsigned, or the signature does not verify (`signature_invalid`): nothing changed", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than 256 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "More than 1000 reports", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Off: `LLAVERO_GITHUB_SCANNING_KEYS` is not set (`not_configured`)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "GitHub's keys cannot be read right now (`github_keys_unavailable`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("github_signature" = []))
)]
#[post("/leaks/github")]
#[tracing::instrument(skip_all)]
pub async fn github(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let Some(keys) = &state.app.github_keys else {
        return Err(ApiError::new(
            ErrorCode::NotConfigured,
            "leak reports from GitHub are off: the operator has not set LLAVERO_GITHUB_SCANNING_KEYS",
        ));
    };
    if body.len() > MAX_BODY {
        return Err(ApiError::new(ErrorCode::BodyTooLarge, "at most 256 KiB"));
    }
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    keys.verify(
        header("github-public-key-identifier"),
        header("github-public-key-signature"),
        &body,
    )
    .await
    .map_err(|e| match e {
        SignatureError::Unavailable(why) => {
            tracing::warn!(%why, "GitHub's secret-scanning keys cannot be read");
            ApiError::new(
                ErrorCode::GithubKeysUnavailable,
                "GitHub's public keys cannot be read right now; retry later",
            )
        }
        other => ApiError::new(ErrorCode::SignatureInvalid, other.to_string()),
    })?;
    let reports: Vec<LeakReport> = serde_json::from_slice(&body).map_err(|_| {
        ApiError::new(
            ErrorCode::BodyMalformed,
            "expected a JSON array of {token, type, url, source}",
        )
    })?;
    too_many(reports.len())?;
    let feedback = state.app.report_leaks(Reporter::GitHub, &reports).await?;
    Ok(HttpResponse::Ok().json(feedback))
}

/// Report leaked keys (your own scanner)
///
/// The same as `/leaks/github`, for the operator's own scanners, with the
/// leaks token (`LLAVERO_LEAKS_TOKEN`, never the gateways' `/verify`
/// token) instead of GitHub's signature; the verdicts come wrapped in
/// `data`. Off (404 `not_configured`) until the operator sets the token.
#[utoipa::path(
    operation_id = "leak_report",
    tag = "leaks",
    request_body = Vec<LeakReport>,
    responses(
        (status = 200, description = "One verdict per report, in order", body = LeakFeedbackList),
        (status = 401, description = "Missing or wrong leaks token (the `/verify` token is refused): `service_token_invalid`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Off: `LLAVERO_LEAKS_TOKEN` is not set (`not_configured`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not an array of reports, or more than 1000", body = Problem, content_type = "application/problem+json"),
    ),
    security(("leaks_token" = []))
)]
#[post("/leaks")]
#[tracing::instrument(skip_all)]
pub async fn scanner(
    _scanner: LeakScanner,
    state: web::Data<AppState>,
    body: web::Json<Vec<LeakReport>>,
) -> Result<web::Json<LeakFeedbackList>, ApiError> {
    too_many(body.len())?;
    let data = state.app.report_leaks(Reporter::Scanner, &body).await?;
    Ok(web::Json(LeakFeedbackList { data }))
}
