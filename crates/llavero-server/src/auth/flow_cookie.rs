//! The flow cookie: carries one sign-in through the provider
//! ([`llavero_app::oidc::flow::Flow`], sealed with the pepper) between
//! leaving for the provider and coming back, and the landing path after it.
//!
//! The cookie is `HttpOnly`, scoped to `/api/v1/auth/oidc`, lives ten
//! minutes, and is `SameSite=Lax`: the provider's redirect back is a
//! cross-site navigation, which a `Strict` cookie would not come with.
//! The callback clears it, whatever the outcome.

use std::time::Duration;

use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::HttpRequest;
use llavero_app::oidc::flow::{Flow, FLOW_LIFETIME};
use llavero_domain::Pepper;

const PATH: &str = "/api/v1/auth/oidc";
const NAME: &str = "llavero_oidc";
const SECURE_NAME: &str = "__Secure-llavero_oidc";

/// The cookie that carries `flow`.
pub fn cookie(flow: &Flow, pepper: &Pepper, secure: bool) -> Cookie<'static> {
    build(flow.seal(pepper), FLOW_LIFETIME, secure)
}

/// The flow `req`'s cookie carries, if its seal holds and it has not
/// expired by `now` (unix seconds).
pub fn from_request(req: &HttpRequest, pepper: &Pepper, secure: bool, now: i64) -> Option<Flow> {
    Flow::unseal(req.cookie(name(secure))?.value(), pepper, now)
}

/// The cookie that clears a flow from the browser.
pub fn removal(secure: bool) -> Cookie<'static> {
    let mut c = build(String::new(), Duration::ZERO, secure);
    c.make_removal();
    c
}

fn name(secure: bool) -> &'static str {
    if secure {
        SECURE_NAME
    } else {
        NAME
    }
}

fn build(value: String, max_age: Duration, secure: bool) -> Cookie<'static> {
    Cookie::build(name(secure), value)
        .path(PATH)
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(time::Duration::seconds(
            i64::try_from(max_age.as_secs()).unwrap_or(i64::MAX),
        ))
        .finish()
}

/// `raw` if it is a path of this site's web app, else `/`: the landing
/// place can never be another site (no open redirect).
///
/// A path is kept only when it has no ASCII control character and no
/// whitespace (browsers strip TAB, CR and LF from URLs, so `/\t/evil`
/// would become `//evil`), no backslash (browsers read it as `/`), no
/// encoded slash or backslash (`%2F`, `%5C`: a router that decodes them
/// would meet `//`), and when, resolved the way a browser resolves a
/// `Location` against our own URL, it stays on our own origin.
pub fn local_path(raw: Option<&str>) -> String {
    let Ok(home) = url::Url::parse("http://llavero.invalid/") else {
        return "/".to_owned();
    };
    let kept = raw.filter(|p| {
        let lower = p.to_ascii_lowercase();
        p.starts_with('/')
            && p.len() <= 200
            && !p.chars().any(|c| c.is_control() || c.is_whitespace())
            && !p.contains('\\')
            && !lower.contains("%2f")
            && !lower.contains("%5c")
            && !p.starts_with("/api/")
            && home.join(p).is_ok_and(|to| to.origin() == home.origin())
    });
    kept.map_or_else(|| "/".to_owned(), str::to_owned)
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;

    use super::*;

    fn pepper(byte: u8) -> Pepper {
        Pepper::new(vec![byte; 32]).unwrap_or_else(|e| panic!("{e}"))
    }

    fn flow(expires: i64) -> Flow {
        Flow {
            state: "s".into(),
            nonce: "n".into(),
            pkce_verifier: "v".into(),
            return_to: "/activity".into(),
            expires,
        }
    }

    fn carried(cookie: &Cookie<'_>) -> HttpRequest {
        TestRequest::default()
            .cookie(Cookie::new(
                cookie.name().to_owned(),
                cookie.value().to_owned(),
            ))
            .to_http_request()
    }

    #[test]
    fn a_sealed_flow_comes_back_until_it_expires() {
        let p = pepper(1);
        let c = cookie(&flow(100), &p, false);
        assert_eq!(from_request(&carried(&c), &p, false, 99), Some(flow(100)));
        assert_eq!(from_request(&carried(&c), &p, false, 100), None);
        let text = c.to_string();
        for part in [
            "HttpOnly",
            "SameSite=Lax",
            "Path=/api/v1/auth/oidc",
            "Max-Age=600",
        ] {
            assert!(text.contains(part), "{text} lacks {part}");
        }
    }

    #[test]
    fn a_changed_or_foreign_flow_is_refused() {
        let p = pepper(1);
        let c = cookie(&flow(100), &p, false);
        // Sealed with another pepper.
        assert_eq!(from_request(&carried(&c), &pepper(2), false, 0), None);
        // Its body changed (another return path), the tag kept.
        let (_, tag) = c.value().split_once('.').unwrap_or_default();
        let mut other = flow(100);
        other.return_to = "/users".into();
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&other).unwrap_or_default());
        let forged = Cookie::new(NAME, format!("{body}.{tag}"));
        assert_eq!(from_request(&carried(&forged), &p, false, 0), None);
        // Over https the cookie has another name: the http one is not read.
        assert_eq!(from_request(&carried(&c), &p, true, 0), None);
    }

    #[test]
    fn only_local_paths_are_landing_places() {
        for good in ["/activity", "/credentials?x=1#y", "/users/"] {
            assert_eq!(local_path(Some(good)), good);
        }
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "evil",
            "/api/v1/me",
            // Browsers strip these from URLs: `//evil.example` would remain.
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "/ /evil.example",
            "/\u{0b}/evil.example",
            "/\u{0c}/evil.example",
            "/\u{a0}/evil.example",
            "/\u{0}/evil.example",
            "/%2F%2Fevil",
            "/%2f%2fevil",
            "/%5C%5Cevil",
            "/\\evil",
            "/./\\evil",
        ] {
            assert_eq!(local_path(Some(bad)), "/", "{bad}");
        }
        assert_eq!(local_path(None), "/");
    }
}
