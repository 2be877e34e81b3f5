//! Cross-site requests refused by where they come from, not only by the
//! session cookie's `SameSite=Strict`: the scheme of Go 1.25's
//! `http.CrossOriginProtection`.
//!
//! `SameSite` stops another *site*, but a sibling subdomain (another app of
//! the portal, `other.portal.example`) is the same site: its pages' forms
//! and fetches carry a `Strict` cookie. Browsers say where a request comes
//! from in `Sec-Fetch-Site` (all current ones) or, failing that, `Origin`;
//! a non-browser client sends neither and cannot be made to carry a
//! victim's cookie, so it passes. The check applies to unsafe methods that
//! a browser could send with the session cookie — requests that carry it,
//! and the sign-in itself (against signing a victim into the attacker's
//! account) — never to API keys or service tokens, which a page on
//! another origin cannot make a browser attach.

use actix_web::http::header::{self, HeaderMap};
use actix_web::http::Method;

use crate::auth::API_KEY_HEADER;

/// Why a request was refused.
pub const REFUSED: &str = "this change was sent from another site; it is refused";

/// Whether a request must pass the origin check: an unsafe method, and
/// either the session cookie or the sign-in path, without a key or token.
pub fn applies(method: &Method, path: &str, headers: &HeaderMap, carries_session: bool) -> bool {
    let unsafe_method = !matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    );
    let credential_header =
        headers.contains_key(header::AUTHORIZATION) || headers.contains_key(API_KEY_HEADER);
    unsafe_method && !credential_header && (carries_session || path == "/api/v1/auth/login")
}

/// Whether a browser sent this request from our own origin (or it is not
/// a browser): `Sec-Fetch-Site` first (`same-origin`, or `none` for what
/// the user typed), then `Origin` against `public_origin` or the `Host`
/// the request was sent to, and with neither header, yes.
pub fn same_origin(headers: &HeaderMap, public_origin: &str) -> bool {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = headers.get("sec-fetch-site") {
        return matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    match headers.get(header::ORIGIN) {
        None => true,
        Some(origin) => {
            let Ok(origin) = origin.to_str() else {
                return false;
            };
            if origin.eq_ignore_ascii_case(public_origin) {
                return true;
            }
            // As Go does: the origin's host is the host the request was
            // sent to (the public URL may be unset, or the service reached
            // under more than one name).
            let host_of = |o: &str| o.split_once("://").map(|(_, rest)| rest.to_owned());
            match (host_of(origin), text(header::HOST)) {
                (Some(from), Some(to)) => from.eq_ignore_ascii_case(to),
                _ => false,
            }
        }
    }
}

/// `scheme://host[:port]` of a public URL (its path dropped).
pub fn origin_of(public_url: &str) -> String {
    match public_url.split_once("://") {
        Some((scheme, rest)) => {
            let authority = rest.split('/').next().unwrap_or(rest);
            format!("{scheme}://{authority}")
        }
        None => public_url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::{HeaderName, HeaderValue};

    use super::*;

    const OURS: &str = "https://llavero.portal.example";

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        map
    }

    #[test]
    fn fetch_metadata_decides_first() {
        for (site, ok) in [
            ("same-origin", true),
            ("none", true),
            ("same-site", false),
            ("cross-site", false),
            ("nonsense", false),
        ] {
            // Even with our own Origin: the browser said where it came from.
            let h = headers(&[("sec-fetch-site", site), ("origin", OURS)]);
            assert_eq!(same_origin(&h, OURS), ok, "{site}");
        }
    }

    #[test]
    fn without_fetch_metadata_the_origin_decides() {
        assert!(same_origin(&headers(&[("origin", OURS)]), OURS));
        assert!(same_origin(
            &headers(&[
                ("origin", "http://127.0.0.1:8080"),
                ("host", "127.0.0.1:8080")
            ]),
            OURS
        ));
        for other in [
            "https://other.portal.example",
            "https://llavero.portal.example:8443",
            "https://llavero.portal.example.evil.example",
            "null",
        ] {
            let h = headers(&[("origin", other), ("host", "llavero.portal.example")]);
            assert!(!same_origin(&h, OURS), "{other}");
        }
        assert!(same_origin(&headers(&[]), OURS), "not a browser");
    }

    #[test]
    fn only_browser_changes_with_the_cookie_or_sign_in_are_checked() {
        let none = headers(&[]);
        assert!(applies(&Method::POST, "/api/v1/api-keys", &none, true));
        assert!(applies(&Method::DELETE, "/api/v1/api-keys/x", &none, true));
        assert!(applies(&Method::POST, "/api/v1/auth/login", &none, false));
        assert!(!applies(&Method::GET, "/api/v1/api-keys", &none, true));
        assert!(!applies(&Method::POST, "/api/v1/verify", &none, false));
        let keyed = headers(&[("mc-api-key", "mco_x")]);
        assert!(!applies(&Method::POST, "/api/v1/api-keys", &keyed, true));
        let token = headers(&[("authorization", "Bearer t")]);
        assert!(!applies(&Method::POST, "/api/v1/leaks", &token, false));
    }

    #[test]
    fn the_origin_of_a_public_url() {
        assert_eq!(origin_of("https://a.example/llavero"), "https://a.example");
        assert_eq!(origin_of("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
    }
}
