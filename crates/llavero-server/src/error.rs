//! The one place where failures become HTTP answers.
//!
//! Handlers return [`ApiError`]; lower layers return their own HTTP-agnostic
//! errors ([`StoreError`], [`ValidationError`]) which convert into it. Each
//! variant picks its status here and renders as RFC 9457
//! `application/problem+json`. A 5xx body says only "internal error" plus the
//! request id; the cause chain goes to the log, where an operator can find it
//! by that id. Messages never contain secrets: none is ever formatted into one.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{error::JsonPayloadError, HttpRequest, HttpResponse, ResponseError};
use llavero_domain::ValidationError;
use llavero_store::StoreError;
use llavero_types::{FieldError, Problem};

/// The media type of error bodies.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("invalid input")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("this resource allows only {allow}")]
    MethodNotAllowed { allow: String },
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("too many attempts; retry in {retry_after_secs} s")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("{0}")]
    Unavailable(String),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// A 500 whose cause is logged, never sent.
    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        ApiError::Internal(e.into())
    }

    fn title(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "Bad request",
            ApiError::Validation(_) => "Invalid input",
            ApiError::Unauthorized(_) => "Not authenticated",
            ApiError::Forbidden(_) => "Forbidden",
            ApiError::NotFound(_) => "Not found",
            ApiError::MethodNotAllowed { .. } => "Method not allowed",
            ApiError::Conflict(_) => "Conflict",
            ApiError::PayloadTooLarge(_) => "Payload too large",
            ApiError::UnsupportedMediaType(_) => "Unsupported media type",
            ApiError::TooManyRequests { .. } => "Too many requests",
            ApiError::Unavailable(_) => "Service unavailable",
            ApiError::Internal(_) => "Internal error",
        }
    }

    /// The problem body for this error.
    pub fn problem(&self) -> Problem {
        let (detail, errors) = match self {
            ApiError::Validation(errors) => (
                Some(
                    errors
                        .iter()
                        .map(|e| format!("{}: {}", e.field, e.message))
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
                errors.clone(),
            ),
            ApiError::Internal(_) => (
                Some("The server failed to handle this request; it has been logged.".to_owned()),
                Vec::new(),
            ),
            other => (Some(other.to_string()), Vec::new()),
        };
        Problem {
            kind: "about:blank".to_owned(),
            title: self.title().to_owned(),
            status: self.status_code().as_u16(),
            detail,
            errors,
            request_id: None,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            tracing::error!(error = format!("{cause:#}"), "request failed");
        }
        let mut res = HttpResponse::build(self.status_code());
        res.content_type(PROBLEM_JSON);
        match self {
            ApiError::TooManyRequests { retry_after_secs } => {
                res.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            ApiError::MethodNotAllowed { allow } => {
                res.insert_header((header::ALLOW, allow.clone()));
            }
            ApiError::Unauthorized(_) => {
                res.insert_header((
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"llavero\""),
                ));
            }
            _ => {}
        }
        res.json(self.problem())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(what) => ApiError::Conflict(what.to_owned()),
            StoreError::Database(db) => {
                ApiError::Internal(anyhow::Error::new(db).context("database"))
            }
        }
    }
}

impl From<ValidationError> for ApiError {
    fn from(e: ValidationError) -> Self {
        ApiError::Validation(vec![FieldError {
            field: e.field.to_owned(),
            message: e.message,
        }])
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        ApiError::internal(anyhow::anyhow!("blocking task failed: {e}"))
    }
}

/// Turns a JSON body that cannot be read into a clear problem.
///
/// Malformed JSON is a 400; well-formed JSON of the wrong shape (a missing
/// field, a string where a number belongs) a 422; the serde message says
/// where. Neither echoes the body back, which may hold a secret.
pub fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let api = match &err {
        JsonPayloadError::OverflowKnownLength { limit, .. }
        | JsonPayloadError::Overflow { limit } => {
            ApiError::PayloadTooLarge(format!("the request body is larger than {limit} bytes"))
        }
        JsonPayloadError::ContentType => ApiError::UnsupportedMediaType(
            "the request body must be sent with Content-Type: application/json".to_owned(),
        ),
        JsonPayloadError::Deserialize(e) if e.is_data() => ApiError::Validation(vec![FieldError {
            field: "body".to_owned(),
            message: strip_input(e),
        }]),
        JsonPayloadError::Deserialize(e) => ApiError::BadRequest(format!(
            "the request body is not valid JSON: {}",
            strip_input(e)
        )),
        _ => ApiError::BadRequest("the request body could not be read".to_owned()),
    };
    api.into()
}

/// serde_json's message without any quoted input value (which may be a
/// secret the client put in the wrong field): only the position and kind.
fn strip_input(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    // serde quotes offending values as `invalid type: string "…"`; keep the
    // part before the first quote and the position serde appends.
    match msg.find('"') {
        Some(i) if !msg.starts_with("missing field") && !msg.starts_with("unknown field") => {
            format!(
                "{} (line {}, column {})",
                msg[..i].trim_end(),
                e.line(),
                e.column()
            )
        }
        _ => msg,
    }
}

/// Path segments that do not parse (a non-UUID id) are a 400, not a 404.
pub fn path_error(err: actix_web::error::PathError, _req: &HttpRequest) -> actix_web::Error {
    let _ = err;
    ApiError::BadRequest("a path parameter is malformed: ids are UUIDs".to_owned()).into()
}

/// Query strings that do not parse (e.g. `limit=abc`) are a 400.
pub fn query_error(
    err: actix_web::error::QueryPayloadError,
    _req: &HttpRequest,
) -> actix_web::Error {
    ApiError::BadRequest(format!("the query string is malformed: {err}")).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;

    #[test]
    fn internal_errors_do_not_leak_their_cause() {
        let e = ApiError::internal(anyhow::anyhow!("connection to db-secret-host refused"));
        let body = e
            .error_response()
            .into_body()
            .try_into_bytes()
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&body);
        assert!(text.contains("\"status\":500"), "{text}");
        assert!(!text.contains("db-secret-host"), "{text}");
    }

    #[test]
    fn throttling_sets_retry_after() {
        let res = ApiError::TooManyRequests {
            retry_after_secs: 42,
        }
        .error_response();
        assert_eq!(res.status(), 429);
        assert_eq!(
            res.headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()),
            Some("42")
        );
        assert_eq!(
            res.headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some(PROBLEM_JSON)
        );
    }
}
