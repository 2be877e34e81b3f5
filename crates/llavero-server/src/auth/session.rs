//! Browser sessions: the cookie and its token.
//!
//! The cookie holds a random 256-bit token; the database holds only its
//! peppered digest. The cookie is `HttpOnly` (no script can read it),
//! `SameSite=Strict` (no cross-site request carries it) and `Secure` when
//! the public URL is https.

use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::HttpRequest;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "llavero_session";

/// The session token a request carries, if any.
pub fn token_from(req: &HttpRequest) -> Option<String> {
    req.cookie(SESSION_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty())
}

/// The cookie that starts a session.
pub fn cookie(token: String, secure: bool, ttl: std::time::Duration) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, token)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .max_age(time::Duration::seconds(
            i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX),
        ))
        .finish()
}

/// The cookie that ends one in the browser.
pub fn removal(secure: bool) -> Cookie<'static> {
    let mut c = cookie(String::new(), secure, std::time::Duration::ZERO);
    c.make_removal();
    c
}
