//! Device cookies: OWASP's defence against guessing passwords from many
//! addresses without locking the owner out ("Slow Down Online Guessing
//! Attacks with Device Cookies").
//!
//! A successful sign-in gives the browser a cookie naming the account, a
//! random device id and an expiry, sealed with a tag of the pepper (as the
//! provider sign-in's flow cookie is), so it cannot be forged or moved to
//! another account. At the next sign-in to that account the cookie makes
//! the attempt a *known device's*: it is throttled per device only, so an
//! attacker's guesses (from browsers without the cookie) never slow the
//! owner down; see `llavero_app::throttle`. The cookie is `HttpOnly`,
//! `SameSite=Strict`, scoped to `/api/v1/auth`, and lives 180 days.

use std::time::Duration;

use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::HttpRequest;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use llavero_domain::hashing::constant_time_eq;
use llavero_domain::{random, Pepper};
use serde::{Deserialize, Serialize};

/// How long a device counts as known after its last sign-in.
pub const LIFETIME: Duration = Duration::from_secs(180 * 24 * 3600);
const PATH: &str = "/api/v1/auth";
const NAME: &str = "llavero_device";
const SECURE_NAME: &str = "__Secure-llavero_device";

/// What a device cookie says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Device {
    /// The account (username, lower case).
    u: String,
    /// The device's random id.
    d: String,
    /// Unix seconds after which the cookie counts for nothing.
    e: i64,
}

fn name(secure: bool) -> &'static str {
    if secure {
        SECURE_NAME
    } else {
        NAME
    }
}

/// The id of the device `req`'s cookie names for `username`, if the cookie
/// is sealed by `pepper`, is for that account, and has not expired by
/// `now` (unix seconds).
pub fn known(
    req: &HttpRequest,
    pepper: &Pepper,
    secure: bool,
    username: &str,
    now: i64,
) -> Option<String> {
    let cookie = req.cookie(name(secure))?;
    let (body, tag) = cookie.value().split_once('.')?;
    let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
    if !constant_time_eq(&tag, &pepper.device_tag(body.as_bytes())) {
        return None;
    }
    let device: Device = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(body).ok()?).ok()?;
    (device.u == username.to_ascii_lowercase() && device.e > now).then_some(device.d)
}

/// The cookie for a browser that just signed in to `username`: the same
/// device id when it had one (its throttle bucket stays its own), else a
/// new one.
pub fn cookie(
    pepper: &Pepper,
    secure: bool,
    username: &str,
    device: Option<String>,
    now: i64,
) -> Result<Cookie<'static>, random::RandomError> {
    let d = match device {
        Some(d) => d,
        None => random::hex_token(16)?,
    };
    let lifetime = i64::try_from(LIFETIME.as_secs()).unwrap_or(i64::MAX);
    let device = Device {
        u: username.to_ascii_lowercase(),
        d,
        e: now.saturating_add(lifetime),
    };
    let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&device).unwrap_or_default());
    let tag = URL_SAFE_NO_PAD.encode(pepper.device_tag(body.as_bytes()));
    Ok(Cookie::build(name(secure), format!("{body}.{tag}"))
        .path(PATH)
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .max_age(time::Duration::seconds(lifetime))
        .finish())
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn pepper(byte: u8) -> Pepper {
        Pepper::new(vec![byte; 32]).unwrap()
    }

    fn carrying(c: &Cookie<'_>) -> HttpRequest {
        TestRequest::default()
            .cookie(Cookie::new(c.name().to_owned(), c.value().to_owned()))
            .to_http_request()
    }

    #[test]
    fn a_device_is_known_for_its_account_until_it_expires() {
        let p = pepper(1);
        let c = cookie(&p, false, "Ana", None, 1000).unwrap();
        let id = known(&carrying(&c), &p, false, "ana", 1001).expect("known");
        assert_eq!(id.len(), 32);
        assert_eq!(
            known(&carrying(&c), &p, false, "bea", 1001),
            None,
            "another account"
        );
        let end = 1000 + i64::try_from(LIFETIME.as_secs()).unwrap();
        assert_eq!(known(&carrying(&c), &p, false, "ana", end), None, "expired");
        assert_eq!(
            known(&carrying(&c), &pepper(2), false, "ana", 1001),
            None,
            "another pepper"
        );
        // Renewed, it keeps its id.
        let again = cookie(&p, false, "ana", Some(id.clone()), 2000).unwrap();
        assert_eq!(known(&carrying(&again), &p, false, "ana", 2001), Some(id));
        let text = c.to_string();
        for part in ["HttpOnly", "SameSite=Strict", "Path=/api/v1/auth"] {
            assert!(text.contains(part), "{text} lacks {part}");
        }
    }

    #[test]
    fn a_changed_cookie_is_nobodys() {
        let p = pepper(1);
        let c = cookie(&p, false, "ana", None, 1000).unwrap();
        let (_, tag) = c.value().split_once('.').unwrap();
        let forged = Device {
            u: "bea".into(),
            d: "x".into(),
            e: i64::MAX,
        };
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap());
        let forged = Cookie::new(NAME, format!("{body}.{tag}"));
        assert_eq!(known(&carrying(&forged), &p, false, "bea", 0), None);
    }
}
