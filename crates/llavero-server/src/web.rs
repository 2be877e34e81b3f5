//! Serving the web app (trunk's `dist/`) at `/`, beside the API.
//!
//! One origin for app and API keeps the session cookie `SameSite=Strict`
//! with no CORS at all. Paths that are not files (the app's own routes,
//! like `/credentials`) get `index.html`, so a reload or a shared link works.

use std::path::{Path, PathBuf};

use actix_files::{Files, NamedFile};
use actix_web::dev::{fn_service, ServiceRequest, ServiceResponse};
use actix_web::http::header::{CacheControl, CacheDirective};

/// The files service for `dir`, with the single-page-app fallback.
pub fn service(dir: &Path) -> Files {
    let index: PathBuf = dir.join("index.html");
    Files::new("/", dir)
        .index_file("index.html")
        .prefer_utf8(true)
        .default_handler(fn_service(move |req: ServiceRequest| {
            let index = index.clone();
            async move {
                let (req, _) = req.into_parts();
                let file = NamedFile::open_async(&index).await?;
                let mut res = file.into_response(&req);
                // The shell must be re-read so a new build's hashed assets load.
                res.headers_mut().insert(
                    actix_web::http::header::CACHE_CONTROL,
                    CacheControl(vec![CacheDirective::NoCache])
                        .to_string()
                        .parse()
                        .unwrap_or(actix_web::http::header::HeaderValue::from_static(
                            "no-cache",
                        )),
                );
                Ok(ServiceResponse::new(req, res))
            }
        }))
}
