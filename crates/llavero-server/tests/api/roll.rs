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
    async fn both_secrets_work_through_the_grace(app) {
        let admin = app.admin().await;
        let (key, old) = app.create_key_with(&admin, json!({ "name": "billing", "scopes": ["compute:read"], "allowed_cidrs": ["127.0.0.0/8"] })).await;
        // The old secret is cached as valid before the roll (a key is
        // cached on its second lookup).
        for _ in 0..2 {
            assert_eq!(app.verify_code_with(json!({ "key": old, "client_ip": "127.0.0.1" })).await, "VALID");
        }
        // A grace long enough that no pause of a loaded machine ends it.
        let res = roll(&app, &admin, key.id, 3600).await;
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
        let hour = until - chrono::Utc::now();
        assert!(hour > chrono::Duration::minutes(59) && hour <= chrono::Duration::hours(1), "{hour}");
        let listed = app.list_keys(&admin).await;
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].previous_secret_expires_at, Some(until));
        // Both work, by /verify and directly, as the same key, within its limits.
        for secret in [&old, &new] {
            let body = json(app.verify(json!({ "key": secret, "client_ip": "127.0.0.1" })).await).await;
            assert_eq!(body["data"]["code"], "VALID");
            assert_eq!(body["data"]["api_key"]["id"], key.id.to_string());
            assert_eq!(app.verify_code_with(json!({ "key": secret, "client_ip": "10.0.0.1" })).await, "IP_NOT_ALLOWED");
        }
        let log = json(admin.get(app.url("/activity")).send().await.unwrap()).await;
        assert!(log["data"].as_array().unwrap().iter().any(|e| e["action"] == "api_key_rolled"), "{log}");
    }
}

api_test! {
    async fn the_old_secret_is_refused_once_the_grace_ends(app) {
        let admin = app.admin().await;
        let (key, old) = app.create_key(&admin, "short").await;
        assert_eq!(app.verify_code(&old).await, "VALID");
        let rolled: ApiKeyCreated = serde_json::from_value(json(roll(&app, &admin, key.id, 1).await).await).unwrap();
        let until = rolled.data.previous_secret_expires_at.expect("the old secret's end is shown");
        // Polled, not slept: refused once its second is up, never before.
        let deadline = Instant::now() + Duration::from_secs(10);
        while app.verify_code(&old).await == "VALID" {
            assert!(Instant::now() < deadline, "the old secret outlived its grace");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(chrono::Utc::now() >= until, "refused before its grace ended");
        assert_eq!(app.verify_code(&old).await, "REVOKED");
        let body = problem(app.get_with_key("/me", &old).await, 401, "key_revoked").await;
        assert!(body["detail"].as_str().unwrap().contains("roll"), "{body}");
        assert_eq!(app.verify_code(&rolled.secret).await, "VALID");
        assert_eq!(app.list_keys(&admin).await[0].previous_secret_expires_at, None);
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
        // Only one previous secret is kept: the second is gone at once, and
        // unknown from then on (its digest is stored nowhere any more).
        assert_eq!(app.verify_code(&second.secret).await, "NOT_FOUND");
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
        let (key, _) = app.create_key(&admin, "k").await;
        for grace in [json!(-1), json!(604_801), json!(i64::MAX), json!(1.5), json!(1e20), json!(u64::MAX)] {
            let res = admin.post(app.url(&format!("/api-keys/{}/roll", key.id))).json(&json!({ "grace_seconds": grace })).send().await.unwrap();
            let body = problem(res, 422, "grace_seconds_invalid").await;
            assert_eq!(body["errors"][0]["field"], "grace_seconds", "{grace}");
        }
        for body in [json!({ "grace_seconds": "soon" }), json!({ "grace_seconds": 60, "grace": 60 })] {
            let res = admin.post(app.url(&format!("/api-keys/{}/roll", key.id))).json(&body).send().await.unwrap();
            problem(res, 422, "invalid_input").await;
        }
        // 3600.0 is a whole number of seconds; 7 days is the most.
        let res = admin.post(app.url(&format!("/api-keys/{}/roll", key.id))).json(&json!({ "grace_seconds": 3600.0 })).send().await.unwrap();
        assert_eq!(res.status(), 201);
        let res = roll(&app, &admin, key.id, 604_800).await;
        assert_eq!(res.status(), 201);
        let secret = json(res).await["secret"].as_str().unwrap().to_owned();
        // Someone else's key, or none: 404; by a key without manage: 403.
        let (_, bob) = app.user("bob", Role::User).await;
        problem(roll(&app, &bob, key.id, 0).await, 404, "not_found").await;
        problem(roll(&app, &admin, uuid::Uuid::new_v4(), 0).await, 404, "not_found").await;
        let res = reqwest::Client::new().post(app.url(&format!("/api-keys/{}/roll", key.id))).header("MC-Api-Key", &secret).json(&json!({ "grace_seconds": 0 })).send().await.unwrap();
        problem(res, 403, "key_not_allowed").await;
        assert_eq!(app.verify_code(&secret).await, "VALID");
    }
}
