//! `POST /verify`, as a gateway calls it.

use llavero_types::Role;
use serde_json::json;

use crate::api_test;
use crate::helpers::{json, problem, spawn_app_with, Backend, VERIFY_TOKEN};

api_test! {
    async fn a_valid_key_names_its_owner_and_records_the_client_ip(app) {
        let admin = app.admin().await;
        let (key, secret) = app.create_key(&admin, "gateway-test").await;
        let body = json(app.verify(json!({ "key": secret, "client_ip": "203.0.113.7" })).await).await;
        let data = &body["data"];
        assert_eq!(data["valid"], true);
        assert_eq!(data["code"], "VALID");
        assert_eq!(data["user"]["username"], "admin");
        assert_eq!(data["role"], "admin");
        assert_eq!(data["api_key"]["id"], key.id.to_string());
        let listed = app.list_keys_until(&admin, |l| l[0].last_used_ip.is_some()).await;
        assert_eq!(listed[0].last_used_ip.as_deref(), Some("203.0.113.7"));
        assert!(listed[0].last_used_at.is_some());
    }
}

api_test! {
    async fn every_refusal_has_its_code_and_no_owner(app) {
        let (user, client) = app.user("erik", Role::User).await;
        let (_, live) = app.create_key(&client, "live").await;
        let (revoked_key, revoked) = app.create_key(&client, "revoked").await;
        client.delete(app.url(&format!("/api-keys/{}", revoked_key.id))).send().await.unwrap_or_else(|e| panic!("{e}"));
        let cases = [
            ("", "MALFORMED"),
            ("mco_short", "MALFORMED"),
            ("mco_0000000000000000000000000000004I186z", "MALFORMED"),
            ("mco_0000000000000000000000000000004I186y", "NOT_FOUND"),
            (revoked.as_str(), "REVOKED"),
            (live.as_str(), "VALID"),
        ];
        for (key, code) in cases {
            let body = json(app.verify(json!({ "key": key })).await).await;
            assert_eq!(body["data"]["code"], code, "{key:?}");
            assert_eq!(body["data"]["valid"], code == "VALID", "{key:?}");
            assert_eq!(body["data"].get("user").is_some(), code == "VALID", "{body}");
        }
        let admin = app.admin().await;
        admin.patch(app.url(&format!("/users/{}", user.id))).json(&json!({ "disabled": true })).send().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(app.verify_code(&live).await, "USER_DISABLED");
        problem(app.get_with_key("/me", &live).await, 401, "owner_disabled").await;
        admin.patch(app.url(&format!("/users/{}", user.id))).json(&json!({ "disabled": false })).send().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(app.verify_code(&live).await, "VALID");
    }
}

api_test! {
    async fn verify_needs_the_service_token(app) {
        let admin = app.admin().await;
        let (_, secret) = app.create_key(&admin, "k").await;
        let c = reqwest::Client::new();
        let none = c.post(app.url("/verify")).json(&json!({ "key": secret })).send().await.unwrap_or_else(|e| panic!("{e}"));
        problem(none, 401, "service_token_invalid").await;
        let wrong = c.post(app.url("/verify")).bearer_auth(format!("{VERIFY_TOKEN}x")).json(&json!({ "key": secret })).send().await.unwrap_or_else(|e| panic!("{e}"));
        problem(wrong, 401, "service_token_invalid").await;
        // An API key is not a service token.
        let key = c.post(app.url("/verify")).bearer_auth(&secret).json(&json!({ "key": secret })).send().await.unwrap_or_else(|e| panic!("{e}"));
        problem(key, 401, "service_token_invalid").await;
    }
}

api_test! {
    async fn a_bad_client_ip_is_422(app) {
        let res = app.verify(json!({ "key": "mco_x", "client_ip": "not-an-ip" })).await;
        let body = problem(res, 422, "client_ip_invalid").await;
        assert_eq!(body["errors"][0]["field"], "client_ip");
    }
}

#[tokio::test]
async fn verify_without_a_configured_token_is_503() {
    let app = spawn_app_with(Backend::Sqlite, &[("LLAVERO_VERIFY_TOKEN", "")]).await;
    let res = app.verify(json!({ "key": "mco_x" })).await;
    problem(res, 503, "verification_disabled").await;
}

/// `llavero_key_lookups_total` of `app`.
async fn lookups(app: &crate::helpers::TestApp) -> u64 {
    crate::helpers::metric(
        app.api.trim_end_matches("/api/v1"),
        "llavero_key_lookups_total",
    )
    .await
}

api_test! {
    async fn a_repeated_unknown_key_costs_one_lookup(app) {
        let unknown = "mco_0000000000000000000000000000004I186y";
        assert_eq!(app.verify_code(unknown).await, "NOT_FOUND");
        // PostgreSQL trusts its cache once the invalidation channel is proven live.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let before = lookups(&app).await;
            assert_eq!(app.verify_code(unknown).await, "NOT_FOUND");
            if lookups(&app).await == before {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "every repeat of an unknown key is looked up");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let before = lookups(&app).await;
        for _ in 0..50 {
            assert_eq!(app.verify_code(unknown).await, "NOT_FOUND");
            problem(app.get_with_key("/me", unknown).await, 401, "key_unknown").await;
        }
        assert_eq!(lookups(&app).await, before, "repeats reached the database");
        // A new key is never mistaken for unknown.
        let admin = app.admin().await;
        let (_, secret) = app.create_key(&admin, "new").await;
        assert_eq!(app.verify_code(&secret).await, "VALID");
    }
}

#[tokio::test]
async fn an_address_that_keeps_failing_is_stopped_without_lookups() {
    let app = spawn_app_with(
        Backend::Sqlite,
        &[
            ("LLAVERO_KEY_FAILURES_PER_MINUTE", "5"),
            ("LLAVERO_TRUSTED_PROXIES", "127.0.0.1"),
        ],
    )
    .await;
    // Random well-formed keys (the checksum is public): none exists.
    let keys: Vec<String> = (0..8)
        .map(|_| {
            llavero_domain::key::generate(&llavero_domain::KeyPrefix::default())
                .unwrap()
                .secret
                .expose()
                .to_owned()
        })
        .collect();
    let from = |ip: &'static str, key: String| {
        let url = app.url("/me");
        async move {
            reqwest::Client::new()
                .get(url)
                .header("MC-Api-Key", key)
                .header("x-forwarded-for", ip)
                .send()
                .await
                .unwrap()
        }
    };
    for key in &keys[..5] {
        problem(from("198.51.100.20", key.clone()).await, 401, "key_unknown").await;
    }
    let before = lookups(&app).await;
    let res = from("198.51.100.20", keys[5].clone()).await;
    assert!(res.headers().get("retry-after").is_some());
    problem(res, 429, "rate_limited").await;
    assert_eq!(
        lookups(&app).await,
        before,
        "a stopped address still reached the database"
    );
    problem(
        from("198.51.100.21", keys[6].clone()).await,
        401,
        "key_unknown",
    )
    .await;
    // /verify: a client address is throttled, a call without one never is.
    let res = app
        .verify(json!({ "key": keys[7], "client_ip": "198.51.100.20" }))
        .await;
    problem(res, 429, "rate_limited").await;
    for _ in 0..10 {
        assert_eq!(app.verify_code(&keys[1]).await, "NOT_FOUND");
    }
}

api_test! {
    async fn every_answer_carries_the_security_headers(app) {
        let base = app.api.trim_end_matches("/api/v1").to_owned();
        for (path, api) in [("/api/v1/info", true), ("/api/v1/api-keys", true), ("/api/v1/nope", true), ("/healthz", false)] {
            let res = reqwest::get(format!("{base}{path}")).await.unwrap();
            let h = |n: &str| res.headers().get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
            let csp = h("content-security-policy");
            if api {
                // JSON: nothing may load, nothing may frame it.
                assert_eq!(csp, "default-src 'none'; frame-ancestors 'none'", "{path}");
            } else {
                assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval'") && csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
                assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
            }
            assert_eq!(h("x-content-type-options"), "nosniff", "{path}");
            assert_eq!(h("referrer-policy"), "no-referrer", "{path}");
            assert!(h("strict-transport-security").is_empty(), "HSTS over http");
            if api {
                assert_eq!(h("cache-control"), "no-store", "{path}");
            }
        }
    }
}
