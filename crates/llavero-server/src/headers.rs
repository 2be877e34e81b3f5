//! Security headers on every answer: what the browser may load and run,
//! and what it must not cache or leak.
//!
//! The web app runs under a strict Content Security Policy: scripts from
//! this origin only, WebAssembly compiled from them (`'wasm-unsafe-eval'`),
//! no inline script or style, no framing. The Swagger UI at `/docs` styles
//! itself inline, so it alone gets `style-src 'unsafe-inline'`. An API
//! answer is JSON that no browser should ever render or run, so it gets
//! the strictest policy there is (`default-src 'none'`: nothing may load,
//! nor frame it), a sixth of the page policy's bytes on every answer of the
//! hot path. Every API answer is `Cache-Control: no-store` (they carry keys,
//! names and addresses), and HSTS is sent when the public URL is https.
//!
//! A forward-auth *allow* is the exception: an empty answer that only a
//! gateway reads (it copies the identity headers and drops the rest), so
//! it carries `Cache-Control: no-store` alone — every header less is work
//! less for the gateway on every request it forwards. Its refusals, which
//! gateways pass on to clients, get everything.

use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::StatusCode;

/// The policy of the web app (every answer outside `/api/` and `/docs`).
pub const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The policy of the Swagger UI (`/docs`).
pub const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; \
style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The policy of every API answer: JSON loads nothing and is never framed.
pub const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

const HSTS: &str = "max-age=31536000";

/// What a request's path says about its answer's headers (taken before the
/// request is handled, so the path need not be kept).
#[derive(Debug, Clone, Copy)]
pub struct Place {
    api: bool,
    docs: bool,
    gateway: bool,
}

impl Place {
    pub fn of(path: &str) -> Place {
        Place {
            api: path.starts_with("/api/"),
            docs: path == "/docs" || path.starts_with("/docs/"),
            gateway: path == "/api/v1/forward-auth" || path.starts_with("/api/v1/forward-auth/"),
        }
    }
}

/// Adds the security headers to an answer with `status` for `place`
/// (keeping any the handler set itself).
pub fn secure(headers: &mut HeaderMap, status: StatusCode, place: Place, https: bool) {
    if place.gateway && status == StatusCode::OK {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return;
    }
    let csp = if place.docs {
        DOCS_CSP
    } else if place.api {
        API_CSP
    } else {
        CSP
    };
    let mut set = |name: HeaderName, value: &'static str| {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    };
    set(header::CONTENT_SECURITY_POLICY, csp);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, "no-referrer");
    set(header::X_FRAME_OPTIONS, "DENY");
    if https {
        set(header::STRICT_TRANSPORT_SECURITY, HSTS);
    }
    if place.api {
        set(header::CACHE_CONTROL, "no-store");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_answers_are_not_stored_and_https_adds_hsts() {
        let mut h = HeaderMap::new();
        secure(&mut h, StatusCode::OK, Place::of("/api/v1/api-keys"), true);
        assert_eq!(h.get("cache-control").unwrap(), "no-store");
        assert_eq!(h.get("strict-transport-security").unwrap(), HSTS);
        assert_eq!(h.get("content-security-policy").unwrap(), API_CSP);
        let mut h = HeaderMap::new();
        secure(&mut h, StatusCode::OK, Place::of("/"), false);
        assert_eq!(h.get("content-security-policy").unwrap(), CSP);
        assert!(h.get("cache-control").is_none());
        assert!(h.get("strict-transport-security").is_none());
        assert!(CSP.contains("frame-ancestors 'none'") && !CSP.contains("unsafe-inline"));
    }

    #[test]
    fn a_forward_auth_allow_carries_no_browser_headers_but_a_refusal_does() {
        let mut h = HeaderMap::new();
        secure(
            &mut h,
            StatusCode::OK,
            Place::of("/api/v1/forward-auth/v1/x"),
            true,
        );
        assert_eq!(h.len(), 1);
        assert_eq!(h.get("cache-control").unwrap(), "no-store");
        let mut h = HeaderMap::new();
        secure(
            &mut h,
            StatusCode::UNAUTHORIZED,
            Place::of("/api/v1/forward-auth"),
            true,
        );
        assert_eq!(h.get("content-security-policy").unwrap(), API_CSP);
        assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
        let mut h = HeaderMap::new();
        secure(
            &mut h,
            StatusCode::OK,
            Place::of("/api/v1/forward-authx"),
            false,
        );
        assert_eq!(h.get("content-security-policy").unwrap(), API_CSP);
    }
}
