//! Browser sessions: the cookie, its token, and how long a session lives.
//!
//! The cookie holds a random 256-bit token; the database holds only its
//! peppered digest. The cookie is `HttpOnly` (no script can read it),
//! `SameSite=Strict` (no cross-site request carries it) and, when the public
//! URL is https, `Secure` and named with the `__Host-` prefix (so no
//! subdomain or plain-http page can set or shadow it). A session ends at
//! the first of: its absolute lifetime, `idle` without a request, sign-out
//! (here or everywhere), a password change, or its user being disabled.

use std::time::Duration;

use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::HttpRequest;

/// The session cookie's name over http.
pub const SESSION_COOKIE: &str = "llavero_session";
/// The session cookie's name over https.
pub const SECURE_SESSION_COOKIE: &str = "__Host-llavero_session";

/// How sessions are kept.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    /// The longest a session lives, however busy.
    pub absolute: Duration,
    /// A session unused this long has ended.
    pub idle: Duration,
    /// Served over https: `Secure` and `__Host-`.
    pub secure: bool,
}

impl SessionPolicy {
    /// The cookie's name.
    pub fn cookie_name(&self) -> &'static str {
        if self.secure {
            SECURE_SESSION_COOKIE
        } else {
            SESSION_COOKIE
        }
    }

    /// The session token a request carries, if any.
    pub fn token_from(&self, req: &HttpRequest) -> Option<String> {
        req.cookie(self.cookie_name())
            .map(|c| c.value().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// The cookie that starts a session.
    pub fn cookie(&self, token: String) -> Cookie<'static> {
        self.build(token, self.absolute)
    }

    /// The cookie that ends one in the browser.
    pub fn removal(&self) -> Cookie<'static> {
        let mut c = self.build(String::new(), Duration::ZERO);
        c.make_removal();
        c
    }

    fn build(&self, token: String, max_age: Duration) -> Cookie<'static> {
        Cookie::build(self.cookie_name(), token)
            .path("/")
            .http_only(true)
            .same_site(SameSite::Strict)
            .secure(self.secure)
            .max_age(time::Duration::seconds(
                i64::try_from(max_age.as_secs()).unwrap_or(i64::MAX),
            ))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn over_https_the_cookie_is_host_prefixed_and_secure() {
        let policy = SessionPolicy {
            absolute: Duration::from_secs(3600),
            idle: Duration::from_secs(600),
            secure: true,
        };
        let c = policy.cookie("t".into()).to_string();
        assert!(c.starts_with("__Host-llavero_session=t"), "{c}");
        for part in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(c.contains(part), "{c} lacks {part}");
        }
        assert!(!c.contains("Domain"), "{c}");
        let plain = SessionPolicy {
            secure: false,
            ..policy
        };
        assert!(plain
            .cookie("t".into())
            .to_string()
            .starts_with("llavero_session=t"));
    }
}
