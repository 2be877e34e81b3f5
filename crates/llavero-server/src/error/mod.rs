//! The one place where failures become HTTP answers.
//!
//! Handlers return [`ApiError`]: a stable [`ErrorCode`] (what clients match
//! on), a detail for people, and for a 5xx the cause, which goes to the log
//! and never into the body. Lower layers return their own HTTP-agnostic
//! errors (`StoreError`, `ValidationError`, the use cases' enums); their
//! `From` conversions live here, and [`status_of`] is the only map from a
//! code to a status. Every answer is RFC 9457 `application/problem+json`;
//! the request-id middleware (see `startup`) fills in `request_id`.
//! Messages never contain secrets: none is ever formatted into one.

use std::borrow::Cow;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use llavero_types::{ErrorCode, FieldError, Problem};

mod extractors;
mod from;

pub use extractors::{json_error, path_error, query_error};

/// The media type of error bodies.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The header naming a forward-auth refusal's code, for gateways that pass
/// on only the status and headers of an authorization answer (nginx).
pub const ERROR_HEADER: &str = "x-llavero-error";

/// Seconds a client is told to wait when the database cannot answer.
pub const DATABASE_RETRY_AFTER_SECS: u64 = 5;

/// Everything a request can fail with.
#[derive(Debug)]
pub struct ApiError {
    code: ErrorCode,
    detail: Cow<'static, str>,
    errors: Vec<FieldError>,
    retry_after_secs: Option<u64>,
    allow: Option<String>,
    /// Also name the code in [`ERROR_HEADER`] (forward-auth answers).
    code_header: bool,
    cause: Option<anyhow::Error>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.detail)
    }
}

impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause.as_ref().map(|c| c.as_ref() as _)
    }
}

/// The HTTP status of each code: one code, one status, always.
pub fn status_of(code: ErrorCode) -> StatusCode {
    use ErrorCode as C;
    match code {
        C::BodyMalformed
        | C::PathMalformed
        | C::QueryMalformed
        | C::CursorInvalid
        | C::OidcStateInvalid
        | C::OidcDenied
        | C::OidcCodeRejected
        | C::OidcTokenInvalid => StatusCode::BAD_REQUEST,
        C::AuthenticationRequired
        | C::CredentialsInvalid
        | C::CredentialsAmbiguous
        | C::SessionExpired
        | C::KeyMalformed
        | C::KeyUnknown
        | C::KeyRevoked
        | C::KeyExpired
        | C::OwnerDisabled
        | C::ServiceTokenInvalid
        | C::SignatureInvalid => StatusCode::UNAUTHORIZED,
        C::AccountDisabled
        | C::AdminRequired
        | C::LocalLoginDisabled
        | C::KeyNotAllowed
        | C::IpNotAllowed
        | C::OriginRefused
        | C::ScopeMissing
        | C::GrantExceeded => StatusCode::FORBIDDEN,
        // A feature the operator left off is absent, not an outage: a
        // scanner probing it must not page anyone.
        C::NotFound | C::NotConfigured => StatusCode::NOT_FOUND,
        C::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        C::UsernameTaken | C::LastAdmin | C::NoLocalPassword => StatusCode::CONFLICT,
        C::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        C::MediaTypeUnsupported => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        C::InvalidInput
        | C::NameInvalid
        | C::UsernameInvalid
        | C::PasswordInvalid
        | C::ExpiresAtInvalid
        | C::ClientIpInvalid
        | C::ScopesInvalid
        | C::AllowedCidrsInvalid
        | C::GraceSecondsInvalid
        | C::RequiredScopeInvalid
        | C::UrlInvalid
        | C::EventsInvalid
        | C::NothingToChange
        | C::CurrentPasswordInvalid => StatusCode::UNPROCESSABLE_ENTITY,
        C::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        C::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        C::DatabaseUnavailable
        | C::VerificationDisabled
        | C::Busy
        | C::GithubKeysUnavailable
        | C::OidcUnavailable => StatusCode::SERVICE_UNAVAILABLE,
    }
}

fn title_of(status: StatusCode) -> &'static str {
    status.canonical_reason().unwrap_or("Error")
}

impl ApiError {
    /// An error with `code` and a detail for people.
    pub fn new(code: ErrorCode, detail: impl Into<Cow<'static, str>>) -> Self {
        ApiError {
            code,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after_secs: None,
            allow: None,
            code_header: false,
            cause: None,
        }
    }

    /// A 422 naming the refused fields; the code is the field's own
    /// (`name_invalid`, …) when one field failed, else `invalid_input`.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let code = match errors.as_slice() {
            [one] => ErrorCode::for_field(&one.field),
            _ => ErrorCode::InvalidInput,
        };
        let detail = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        ApiError {
            errors,
            ..ApiError::new(code, detail)
        }
    }

    /// A 422 for one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        ApiError::validation(vec![FieldError {
            field: field.to_owned(),
            message: message.into(),
        }])
    }

    /// A 500 whose cause is logged, never sent.
    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        ApiError {
            cause: Some(e.into()),
            ..ApiError::new(
                ErrorCode::Internal,
                "The server failed to handle this request; it has been logged.",
            )
        }
    }

    /// A 503 `database_unavailable` with `Retry-After`; the cause is logged.
    pub fn database_unavailable(e: impl Into<anyhow::Error>) -> Self {
        ApiError {
            cause: Some(e.into()),
            retry_after_secs: Some(DATABASE_RETRY_AFTER_SECS),
            ..ApiError::new(
                ErrorCode::DatabaseUnavailable,
                "the database cannot answer right now; retry shortly",
            )
        }
    }

    /// A 429 with `Retry-After`.
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        ApiError {
            retry_after_secs: Some(retry_after_secs),
            ..ApiError::new(
                ErrorCode::RateLimited,
                format!("too many attempts; retry in {retry_after_secs} s"),
            )
        }
    }

    /// A 503 `busy` with `Retry-After`: the server is at its limit for
    /// this kind of work (`what`).
    pub fn busy(what: &'static str, retry_after_secs: u64) -> Self {
        ApiError {
            retry_after_secs: Some(retry_after_secs),
            ..ApiError::new(
                ErrorCode::Busy,
                format!("the server is busy with {what}; retry in {retry_after_secs} s"),
            )
        }
    }

    /// A 403 `key_not_allowed`: this needs a signed-in session.
    pub fn key_not_allowed() -> Self {
        ApiError::new(
            ErrorCode::KeyNotAllowed,
            "this API key cannot manage keys or users: sign in, or use a key granted llavero:manage",
        )
    }

    /// A 405 with `Allow`.
    pub fn method_not_allowed(allow: String) -> Self {
        ApiError {
            detail: format!("this resource allows only {allow}").into(),
            allow: Some(allow),
            ..ApiError::new(ErrorCode::MethodNotAllowed, "")
        }
    }

    /// The same error, naming its code in the [`ERROR_HEADER`] header too.
    pub fn with_code_header(self) -> Self {
        ApiError {
            code_header: true,
            ..self
        }
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The problem body, carrying `request_id` when known.
    pub fn problem(&self, request_id: Option<String>) -> Problem {
        let status = status_of(self.code);
        Problem {
            kind: "about:blank".to_owned(),
            title: title_of(status).to_owned(),
            status: status.as_u16(),
            code: self.code,
            detail: Some(self.detail.clone().into_owned()),
            errors: self.errors.clone(),
            request_id,
        }
    }

    /// The whole answer (status, headers, body) for `request_id`.
    pub fn response(&self, request_id: Option<String>) -> HttpResponse {
        let mut res = HttpResponse::build(status_of(self.code));
        res.content_type(PROBLEM_JSON);
        if let Some(secs) = self.retry_after_secs {
            res.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        if let Some(allow) = &self.allow {
            res.insert_header((header::ALLOW, allow.clone()));
        }
        if self.code_header {
            res.insert_header((ERROR_HEADER, self.code.as_str()));
        }
        if status_of(self.code) == StatusCode::UNAUTHORIZED {
            res.insert_header((
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"llavero\""),
            ));
        }
        res.json(self.problem(request_id))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        status_of(self.code)
    }

    fn error_response(&self) -> HttpResponse {
        if let Some(cause) = &self.cause {
            tracing::error!(code = %self.code, error = format!("{cause:#}"), "request failed");
        }
        self.response(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;
    use llavero_store::StoreError;

    fn body_of(res: HttpResponse) -> String {
        let body = res.into_body().try_into_bytes().unwrap_or_default();
        String::from_utf8_lossy(&body).into_owned()
    }

    #[test]
    fn internal_errors_do_not_leak_their_cause() {
        let e = ApiError::internal(anyhow::anyhow!("connection to db-secret-host refused"));
        let text = body_of(e.error_response());
        assert!(text.contains("\"status\":500"), "{text}");
        assert!(text.contains("\"code\":\"internal\""), "{text}");
        assert!(!text.contains("db-secret-host"), "{text}");
    }

    #[test]
    fn throttling_sets_retry_after() {
        let res = ApiError::rate_limited(42).error_response();
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

    #[test]
    fn an_unreachable_database_is_a_503_with_retry_after() {
        let res = ApiError::from(StoreError::Unavailable(
            llavero_store::DatabaseError::Custom("pool timed out".into()),
        ))
        .error_response();
        assert_eq!(res.status(), 503);
        assert!(res.headers().contains_key("retry-after"));
        assert!(body_of(res).contains("\"code\":\"database_unavailable\""));
    }

    #[test]
    fn one_refused_field_names_its_own_code() {
        assert_eq!(
            ApiError::field("name", "blank").code(),
            ErrorCode::NameInvalid
        );
        let two = ApiError::validation(vec![
            FieldError {
                field: "username".into(),
                message: "x".into(),
            },
            FieldError {
                field: "password".into(),
                message: "y".into(),
            },
        ]);
        assert_eq!(two.code(), ErrorCode::InvalidInput);
    }
}
