//! Cookie-authenticated changes from another origin are refused (Go 1.25's
//! `CrossOriginProtection` scheme): a sibling subdomain, which `SameSite`
//! counts as the same site, can no longer sign a user out everywhere or
//! make a key. Keys, service tokens and non-browser clients are unaffected.

use reqwest::Client;
use serde_json::json;

use crate::helpers::{new_client, problem, spawn_app, Backend, TestApp, VERIFY_TOKEN};

const SIBLING: &str = "https://other.portal.example";

async fn create_key(app: &TestApp, client: &Client, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut req = client
        .post(app.url("/api-keys"))
        .json(&json!({ "name": "from somewhere" }));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn a_change_from_another_origin_is_refused_and_changes_nothing() {
    let app = spawn_app(Backend::Sqlite).await;
    let admin = app.admin().await;
    let own = app.api.trim_end_matches("/api/v1").to_owned();

    for headers in [
        vec![("sec-fetch-site", "same-site"), ("origin", SIBLING)],
        vec![
            ("sec-fetch-site", "cross-site"),
            ("origin", "https://evil.example"),
        ],
        // Fetch metadata wins over a forged-looking but matching Origin.
        vec![("sec-fetch-site", "same-site"), ("origin", own.as_str())],
        // An older browser: Origin only.
        vec![("origin", SIBLING)],
        vec![("origin", "null")],
    ] {
        let res = create_key(&app, &admin, &headers).await;
        problem(res, 403, "origin_refused").await;
    }
    let res = admin.get(app.url("/api-keys")).send().await.unwrap();
    assert_eq!(
        crate::helpers::json(res).await["data"],
        json!([]),
        "no key was made"
    );

    // Signing out everywhere from a sibling: refused, the session lives.
    let res = admin
        .post(app.url("/auth/logout-everywhere"))
        .header("sec-fetch-site", "same-site")
        .header("origin", SIBLING)
        .send()
        .await
        .unwrap();
    problem(res, 403, "origin_refused").await;
    assert_eq!(
        admin.get(app.url("/me")).send().await.unwrap().status(),
        200
    );

    // Signing a victim into the attacker's account: refused too.
    let res = new_client()
        .post(app.url("/auth/login"))
        .header("sec-fetch-site", "cross-site")
        .json(&json!({ "username": "admin", "password": app.admin_password }))
        .send()
        .await
        .unwrap();
    problem(res, 403, "origin_refused").await;
}

#[tokio::test]
async fn our_own_pages_programs_keys_and_gateways_pass() {
    let app = spawn_app(Backend::Sqlite).await;
    let admin = app.admin().await;
    let own = app.api.trim_end_matches("/api/v1").to_owned();
    for headers in [
        vec![("sec-fetch-site", "same-origin"), ("origin", own.as_str())],
        vec![("sec-fetch-site", "none")],
        vec![("origin", own.as_str())],
        // A program with a cookie jar: neither header.
        vec![],
    ] {
        let res = create_key(&app, &admin, &headers).await;
        assert_eq!(res.status(), 201, "{headers:?}");
    }
    let (_, key) = app.create_key(&admin, "a key").await;
    // A key is not a cookie: no page on another origin can attach it.
    let res = Client::new()
        .get(app.url("/me"))
        .header("MC-Api-Key", &key)
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = Client::new()
        .post(app.url("/verify"))
        .bearer_auth(VERIFY_TOKEN)
        .header("sec-fetch-site", "cross-site")
        .json(&json!({ "key": key }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // Reading is never refused.
    let res = admin
        .get(app.url("/api-keys"))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}
