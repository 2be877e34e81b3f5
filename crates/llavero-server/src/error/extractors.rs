//! Problems for requests that never reach a handler: a body, path or query
//! string that actix-web's extractors cannot read.

use actix_web::{error::JsonPayloadError, HttpRequest};
use llavero_types::ErrorCode;

use super::ApiError;

/// Turns a JSON body that cannot be read into a clear problem.
///
/// Malformed JSON is a 400; well-formed JSON of the wrong shape (a missing
/// field, a string where a number belongs) a 422; the serde message says
/// where. Neither echoes the body back, which may hold a secret.
pub fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let api = match &err {
        JsonPayloadError::OverflowKnownLength { limit, .. }
        | JsonPayloadError::Overflow { limit } => ApiError::new(
            ErrorCode::BodyTooLarge,
            format!("the request body is larger than {limit} bytes"),
        ),
        JsonPayloadError::ContentType => ApiError::new(
            ErrorCode::MediaTypeUnsupported,
            "the request body must be sent with Content-Type: application/json",
        ),
        JsonPayloadError::Deserialize(e) if e.is_data() => ApiError::field("body", strip_input(e)),
        JsonPayloadError::Deserialize(e) => ApiError::new(
            ErrorCode::BodyMalformed,
            format!("the request body is not valid JSON: {}", strip_input(e)),
        ),
        _ => ApiError::new(
            ErrorCode::BodyMalformed,
            "the request body could not be read",
        ),
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
    ApiError::new(
        ErrorCode::PathMalformed,
        "a path parameter is malformed: ids are UUIDs",
    )
    .into()
}

/// Query strings that do not parse (e.g. `limit=abc`) are a 400.
pub fn query_error(
    err: actix_web::error::QueryPayloadError,
    _req: &HttpRequest,
) -> actix_web::Error {
    ApiError::new(
        ErrorCode::QueryMalformed,
        format!("the query string is malformed: {err}"),
    )
    .into()
}
