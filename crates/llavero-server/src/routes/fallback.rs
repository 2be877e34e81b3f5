//! What answers when no route matched: 405 with `Allow` for a documented path
//! asked with another method, else 404 — both as problem+json.
//!
//! The known paths come from the OpenAPI document, so they cannot disagree
//! with the routes.

use actix_web::{web, HttpRequest, HttpResponse};

use llavero_types::ErrorCode;

use crate::error::ApiError;

/// Documented path patterns, split into segments, with their methods.
#[derive(Debug, Clone, Default)]
pub struct KnownPaths(Vec<(Vec<String>, Vec<String>)>);

impl KnownPaths {
    /// From `(pattern, methods)` pairs such as `("/api/v1/api-keys/{id}", ["GET", …])`.
    pub fn new(paths: Vec<(String, Vec<String>)>) -> Self {
        KnownPaths(
            paths
                .into_iter()
                .map(|(p, m)| (p.split('/').map(str::to_owned).collect(), m))
                .collect(),
        )
    }

    /// The methods allowed on `path`, if it is a documented path.
    pub fn allowed(&self, path: &str) -> Option<&[String]> {
        let segments: Vec<&str> = path.split('/').collect();
        self.0.iter().find_map(|(pattern, methods)| {
            let same = pattern.len() == segments.len()
                && pattern
                    .iter()
                    .zip(&segments)
                    .all(|(p, s)| (p.starts_with('{') && !s.is_empty()) || p == s);
            same.then_some(methods.as_slice())
        })
    }
}

/// The default service.
#[tracing::instrument(skip_all)]
pub async fn fallback(
    req: HttpRequest,
    known: web::Data<KnownPaths>,
) -> Result<HttpResponse, ApiError> {
    match known.allowed(req.path()) {
        Some(methods) if !methods.iter().any(|m| m == req.method().as_str()) => {
            Err(ApiError::method_not_allowed(methods.join(", ")))
        }
        _ => Err(ApiError::new(ErrorCode::NotFound, "no such resource")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_templated_segments_only_whole() {
        let known = KnownPaths::new(vec![
            ("/api/v1/api-keys".into(), vec!["GET".into(), "POST".into()]),
            (
                "/api/v1/api-keys/{id}".into(),
                vec!["GET".into(), "DELETE".into()],
            ),
        ]);
        assert_eq!(
            known.allowed("/api/v1/api-keys").map(<[String]>::len),
            Some(2)
        );
        assert!(known.allowed("/api/v1/api-keys/abc").is_some());
        assert!(known.allowed("/api/v1/api-keys/").is_none());
        assert!(known.allowed("/api/v1/api-keys/a/b").is_none());
        assert!(known.allowed("/api/v1/nope").is_none());
    }
}
