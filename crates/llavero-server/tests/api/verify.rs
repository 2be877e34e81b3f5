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
