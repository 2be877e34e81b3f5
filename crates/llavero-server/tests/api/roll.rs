//! Rolling a key: a new secret, shown once, for the same key; the old one
//! works through its grace period, then is refused as revoked.

use std::time::{Duration, Instant};

use llavero_types::{ApiKeyCreated, Role};
use serde_json::json;

use crate::api_test;
use crate::helpers::{json, problem, TestApp};

async fn roll(
    app: &TestApp,
    client: &reqwest::Client,
    id: uuid::Uuid,
    grace: i64,
) -> reqwest::Response {
    client
        .post(app.url(&format!("/api-keys/{id}/roll")))
        .json(&json!({ "grace_seconds": grace }))
        .send()
        .await
        .unwrap()
}

api_test! {
    async fn both_secrets_work_through_the_grace_then_only_the_new(app) {
        let admin = app.admin().await;
        let (key, old) = app.create_key_with(&admin, json!({ "name": "billing", "scopes": ["compute:read"], "allowed_cidrs": ["127.0.0.0/8"] })).await;
        // The old secret is cached as valid before the roll.
        assert_eq!(app.verify_code_with(json!({ "key": old, "client_ip": "127.0.0.1" })).await, "VALID");
        let res = roll(&app, &admin, key.id, 2).await;
        assert_eq!(res.status(), 201);
        assert_eq!(res.headers()["cache-control"], "no-store");
        let rolled: ApiKeyCreated = serde_json::from_value(json(res).await).unwrap();
        let new = rolled.secret.clone();
        assert_ne!(new, old);
        // Same key: id, name, limits, expiry; a new hint.
        assert_eq!((rolled.data.id, rolled.data.name.as_str()), (key.id, "billing"));
        assert_eq!((rolled.data.scopes.clone(), rolled.data.allowed_cidrs.clone()), (key.scopes.clone(), key.allowed_cidrs.clone()));
        assert!(new.ends_with(rolled.data.hint.trim_start_matches("mco_…")));
        let until = rolled.data.previous_secret_expires_at.expect("the old secret's end is shown");
        let listed = app.list_keys(&admin).await;
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].previous_secret_expires_at, Some(until));
        // Both work, by /verify and directly, as the same key.
        for secret in [&old, &new] {
            let body = json(app.verify(json!({ "key": secret, "client_ip": "127.0.0.1" })).await).await;
            assert_eq!(body["data"]["code"], "VALID");
            assert_eq!(body["data"]["api_key"]["id"], key.id.to_string());
        }
        assert_eq!(app.verify_code_with(json!({ "key": old, "client_ip": "10.0.0.1" })).await, "IP_NOT_ALLOWED");
        // Then only the new one.
        let deadline = Instant::now() + Duration::from_secs(10);
        while app.verify_code_with(json!({ "key": old, "client_ip": "127.0.0.1" })).await == "VALID" {
            assert!(Instant::now() < deadline, "the old secret outlived its grace");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(chrono::Utc::now() >= until);
        assert_eq!(app.verify_code_with(json!({ "key": old, "client_ip": "127.0.0.1" })).await, "REVOKED");
        let body = problem(app.get_with_key("/me", &old).await, 401, "key_revoked").await;
        assert!(body["detail"].as_str().unwrap().contains("roll"), "{body}");
        assert_eq!(app.verify_code_with(json!({ "key": new, "client_ip": "127.0.0.1" })).await, "VALID");
        assert_eq!(app.list_keys(&admin).await[0].previous_secret_expires_at, None);
        let log = json(admin.get(app.url("/activity")).send().await.unwrap()).await;
        assert!(log["data"].as_array().unwrap().iter().any(|e| e["action"] == "api_key_rolled"), "{log}");
    }
}

api_test! {
    async fn no_grace_stops_the_old_secret_at_once_and_a_second_roll_ends_the_first(app) {
        let admin = app.admin().await;
        let (key, first) = app.create_key(&admin, "k").await;
        assert_eq!(app.verify_code(&first).await, "VALID");
        let second: ApiKeyCreated = serde_json::from_value(json(roll(&app, &admin, key.id, 0).await).await).unwrap();
        assert_eq!(app.verify_code(&first).await, "REVOKED");
        assert_eq!(app.verify_code(&second.secret).await, "VALID");
        // A long grace for the second secret, then a third roll: the second
        // keeps its grace, and the first stays refused.
        let third: ApiKeyCreated = serde_json::from_value(json(roll(&app, &admin, key.id, 3600).await).await).unwrap();
        assert_eq!(app.verify_code(&second.secret).await, "VALID");
        let fourth: ApiKeyCreated = serde_json::from_value(json(roll(&app, &admin, key.id, 3600).await).await).unwrap();
        // Only one previous secret is kept: the second is gone at once.
        assert_ne!(app.verify_code(&second.secret).await, "VALID");
        assert_eq!(app.verify_code(&third.secret).await, "VALID");
        assert_eq!(app.verify_code(&fourth.secret).await, "VALID");
        // Revoking the key stops every secret.
        assert_eq!(admin.delete(app.url(&format!("/api-keys/{}", key.id))).send().await.unwrap().status(), 204);
        for secret in [&third.secret, &fourth.secret] {
            assert_eq!(app.verify_code(secret).await, "REVOKED");
        }
    }
}

api_test! {
    async fn bad_rolls_are_refused_and_change_nothing(app) {
        let admin = app.admin().await;
        let (key, secret) = app.create_key(&admin, "k").await;
        for grace in [-1, 604_801, i64::MAX] {
            let body = problem(roll(&app, &admin, key.id, grace).await, 422, "grace_seconds_invalid").await;
            assert_eq!(body["errors"][0]["field"], "grace_seconds");
        }
        let res = admin.post(app.url(&format!("/api-keys/{}/roll", key.id))).json(&json!({ "grace_seconds": "soon" })).send().await.unwrap();
        problem(res, 422, "invalid_input").await;
        assert_eq!(roll(&app, &admin, key.id, 604_800).await.status(), 201);
        // Someone else's key, or none: 404; by a key without manage: 403.
        let (_, bob) = app.user("bob", Role::User).await;
        problem(roll(&app, &bob, key.id, 0).await, 404, "not_found").await;
        problem(roll(&app, &admin, uuid::Uuid::new_v4(), 0).await, 404, "not_found").await;
        let res = reqwest::Client::new().post(app.url(&format!("/api-keys/{}/roll", key.id))).header("MC-Api-Key", &secret).json(&json!({ "grace_seconds": 0 })).send().await.unwrap();
        problem(res, 403, "key_not_allowed").await;
        assert_eq!(app.verify_code(&secret).await, "VALID");
    }
}
