//! Key limits: scopes from the operator's catalogue, address limits, the
//! lifetime policy, and changing them — every rule, every bad input, on
//! both backends.

use llavero_types::{ApiKey, Role};
use serde_json::{json, Value};

use crate::api_test;
use crate::helpers::{json, problem, spawn_app_with, Backend, TestApp};

/// A 422 for a body, naming `field` in `errors` with `code`.
async fn refused(res: reqwest::Response, code: &str, field: &str) {
    let body = problem(res, 422, code).await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default();
    assert!(fields.contains(&field), "{body}");
}

api_test! {
    async fn the_catalogue_lists_the_operators_scopes_then_manage(app) {
        let admin = app.admin().await;
        let body = json(admin.get(app.url("/scopes")).send().await.unwrap()).await;
        let names: Vec<&str> = body["data"].as_array().unwrap().iter().filter_map(|s| s["name"].as_str()).collect();
        assert_eq!(names, ["compute:read", "compute:write", "dns:edit", "llavero:manage"]);
        assert_eq!(body["data"][3]["builtin"], true);
        assert!(body["data"][3]["description"]["es"].as_str().is_some_and(|s| !s.is_empty()));
        problem(reqwest::Client::new().get(app.url("/scopes")).send().await.unwrap(), 401, "authentication_required").await;
    }
}

api_test! {
    async fn a_new_key_has_every_privilege_and_no_limit_by_default(app) {
        let admin = app.admin().await;
        let res = admin.post(app.url("/api-keys")).json(&json!({ "name": "plain" })).send().await.unwrap();
        let body = json(res).await;
        // Always present: null scopes, an empty network list.
        assert_eq!(body["data"]["scopes"], Value::Null);
        assert_eq!(body["data"]["allowed_cidrs"], json!([]));
        assert_eq!(body["data"]["expires_at"], Value::Null);
        let secret = body["secret"].as_str().unwrap();
        // Every API scope, from anywhere...
        assert_eq!(app.verify_code_with(json!({ "key": secret, "required_scope": "compute:write" })).await, "VALID");
        assert_eq!(app.verify_code_with(json!({ "key": secret, "required_scope": "anything.else" })).await, "VALID");
        // ...but never llavero:manage, which must be granted.
        assert_eq!(app.verify_code_with(json!({ "key": secret, "required_scope": "llavero:manage" })).await, "SCOPE_MISSING");
    }
}

api_test! {
    async fn scopes_are_held_returned_and_required(app) {
        let admin = app.admin().await;
        let (key, secret) = app.create_key_with(&admin, json!({ "name": "ro", "scopes": ["compute:read", "dns:edit", "compute:read"] })).await;
        assert_eq!(key.scopes, Some(vec!["compute:read".to_owned(), "dns:edit".to_owned()]));
        let listed = app.list_keys(&admin).await;
        assert_eq!(listed[0].scopes, key.scopes);
        let res = app.verify(json!({ "key": secret, "required_scope": "compute:read" })).await;
        let body = json(res).await;
        assert_eq!(body["data"]["code"], "VALID");
        assert_eq!(body["data"]["api_key"]["scopes"], json!(["compute:read", "dns:edit"]));
        assert_eq!(app.verify_code_with(json!({ "key": secret, "required_scope": "compute:write" })).await, "SCOPE_MISSING");
        problem(app.verify(json!({ "key": secret, "required_scope": "Not A Scope" })).await, 422, "required_scope_invalid").await;
        // A key limited to the portal's scopes cannot use Llavero's own API.
        problem(app.get_with_key("/api-keys", &secret).await, 403, "scope_missing").await;
    }
}

api_test! {
    async fn bad_limits_are_refused_by_field_and_create_nothing(app) {
        let admin = app.admin().await;
        let many: Vec<String> = (0..33).map(|i| format!("10.0.{i}.0/24")).collect();
        let past = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
        for (body, code, field) in [
            (json!({ "name": "k", "scopes": ["compute:delete"] }), "scopes_invalid", "scopes"),
            (json!({ "name": "k", "scopes": [] }), "scopes_invalid", "scopes"),
            (json!({ "name": "k", "scopes": ["Compute"] }), "scopes_invalid", "scopes"),
            (json!({ "name": "k", "allowed_cidrs": ["10.0.0.0/33"] }), "allowed_cidrs_invalid", "allowed_cidrs"),
            (json!({ "name": "k", "allowed_cidrs": ["not-a-network"] }), "allowed_cidrs_invalid", "allowed_cidrs"),
            (json!({ "name": "k", "allowed_cidrs": many }), "allowed_cidrs_invalid", "allowed_cidrs"),
            (json!({ "name": "k", "expires_at": past }), "expires_at_invalid", "expires_at"),
            (json!({ "name": "", "scopes": ["nope"] }), "invalid_input", "scopes"),
        ] {
            refused(admin.post(app.url("/api-keys")).json(&body).send().await.unwrap(), code, field).await;
        }
        // A misspelt limit is refused, never read as "no limit".
        for body in [json!({ "name": "k", "scope": ["compute:read"] }), json!({ "name": "k", "allowed_cidr": ["10.0.0.0/8"] })] {
            problem(admin.post(app.url("/api-keys")).json(&body).send().await.unwrap(), 422, "invalid_input").await;
        }
        assert!(app.list_keys(&admin).await.is_empty(), "a refused body created a key");
        let (anywhere, _) = app.create_key_with(&admin, json!({ "name": "null-networks", "allowed_cidrs": null })).await;
        assert!(anywhere.allowed_cidrs.is_empty());
        // 32 networks is the most, and fine.
        let (key, _) = app.create_key_with(&admin, json!({ "name": "k32", "allowed_cidrs": (0..32).map(|i| format!("10.0.{i}.0/24")).collect::<Vec<_>>() })).await;
        assert_eq!(key.allowed_cidrs.len(), 32);
    }
}

api_test! {
    async fn a_key_limited_to_networks_is_refused_elsewhere_and_the_owner_sees_it(app) {
        let admin = app.admin().await;
        let (far, far_secret) = app.create_key_with(&admin, json!({ "name": "office", "allowed_cidrs": ["10.1.2.3/16", "2001:db8::/32"] })).await;
        assert_eq!(far.allowed_cidrs, ["10.1.0.0/16", "2001:db8::/32"]);
        let (_, near_secret) = app.create_key_with(&admin, json!({ "name": "here", "allowed_cidrs": ["127.0.0.0/8"] })).await;
        // Direct calls come from 127.0.0.1.
        assert_eq!(app.get_with_key("/me", &near_secret).await.status(), 200);
        for _ in 0..5 {
            problem(app.get_with_key("/me", &far_secret).await, 403, "ip_not_allowed").await;
        }
        // /verify: the gateway's client_ip decides; without one, refused.
        assert_eq!(app.verify_code_with(json!({ "key": far_secret, "client_ip": "10.1.200.7" })).await, "VALID");
        assert_eq!(app.verify_code_with(json!({ "key": far_secret, "client_ip": "2001:db8::9" })).await, "VALID");
        assert_eq!(app.verify_code_with(json!({ "key": far_secret, "client_ip": "10.2.0.1" })).await, "IP_NOT_ALLOWED");
        assert_eq!(app.verify_code_with(json!({ "key": far_secret })).await, "IP_NOT_ALLOWED");
        // The owner's activity log shows the refused address, once a minute
        // however many attempts.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let body = json(admin.get(app.url("/activity?limit=200")).send().await.unwrap()).await;
            let refusals: Vec<&Value> = body["data"].as_array().unwrap().iter().filter(|e| e["action"] == "api_key_ip_refused").collect();
            if !refusals.is_empty() {
                assert_eq!(refusals.len(), 1, "{refusals:?}");
                assert_eq!(refusals[0]["ip"], "127.0.0.1");
                assert_eq!(refusals[0]["api_key_id"], far.id.to_string());
                break;
            }
            assert!(std::time::Instant::now() < deadline, "no api_key_ip_refused event: {body}");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

api_test! {
    async fn changing_limits_applies_at_once_and_is_logged(app) {
        let admin = app.admin().await;
        let (key, secret) = app.create_key_with(&admin, json!({ "name": "k", "scopes": ["compute:read", "compute:write"] })).await;
        let path = app.url(&format!("/api-keys/{}", key.id));
        let write = json!({ "key": secret, "required_scope": "compute:write" });
        // Cached now (a key is cached on its second lookup)...
        for _ in 0..2 {
            assert_eq!(app.verify_code_with(write.clone()).await, "VALID");
        }
        let res = admin.patch(&path).json(&json!({ "scopes": ["compute:read"], "allowed_cidrs": ["192.0.2.0/24"] })).send().await.unwrap();
        let changed: ApiKey = serde_json::from_value(json(res).await["data"].clone()).unwrap();
        assert_eq!(changed.scopes, Some(vec!["compute:read".to_owned()]));
        assert_eq!(changed.name, "k");
        // ...and refused on the very next use.
        assert_eq!(app.verify_code_with(json!({ "key": secret, "required_scope": "compute:write", "client_ip": "192.0.2.1" })).await, "SCOPE_MISSING");
        assert_eq!(app.verify_code_with(json!({ "key": secret, "client_ip": "198.51.100.1" })).await, "IP_NOT_ALLOWED");
        // Back to every privilege, anywhere; name and limits in one change.
        let res = admin.patch(&path).json(&json!({ "name": "renamed", "scopes": null, "allowed_cidrs": [] })).send().await.unwrap();
        let back: ApiKey = serde_json::from_value(json(res).await["data"].clone()).unwrap();
        assert_eq!((back.name.as_str(), back.scopes, back.allowed_cidrs.len()), ("renamed", None, 0));
        assert_eq!(app.verify_code_with(write).await, "VALID");
        // An expiry can be set and cleared.
        let soon = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
        let res = admin.patch(&path).json(&json!({ "expires_at": soon })).send().await.unwrap();
        assert!(json(res).await["data"]["expires_at"].is_string());
        let res = admin.patch(&path).json(&json!({ "expires_at": null })).send().await.unwrap();
        assert_eq!(json(res).await["data"]["expires_at"], Value::Null);
        // Nothing to change, or a bad field: refused, nothing changed.
        problem(admin.patch(&path).json(&json!({})).send().await.unwrap(), 422, "nothing_to_change").await;
        refused(admin.patch(&path).json(&json!({ "scopes": ["nope"] })).send().await.unwrap(), "scopes_invalid", "scopes").await;
        refused(admin.patch(&path).json(&json!({ "allowed_cidrs": ["300.0.0.0/8"] })).send().await.unwrap(), "allowed_cidrs_invalid", "allowed_cidrs").await;
        assert_eq!(app.list_keys(&admin).await[0].scopes, None);
        let log = json(admin.get(app.url("/activity?limit=200")).send().await.unwrap()).await;
        let changes = log["data"].as_array().unwrap().iter().filter(|e| e["action"] == "api_key_limits_changed").count();
        assert_eq!(changes, 4, "{log}");
    }
}

/// A server with a lifetime policy: at most 90 days, 30 by default.
async fn with_policy(backend: Backend) -> TestApp {
    spawn_app_with(
        backend,
        &[
            ("LLAVERO_KEY_MAX_LIFETIME_DAYS", "90"),
            ("LLAVERO_KEY_DEFAULT_LIFETIME_DAYS", "30"),
        ],
    )
    .await
}

async fn lifetimes_follow_the_policy(app: TestApp) {
    let admin = app.admin().await;
    let info = json(reqwest::get(app.url("/info")).await.unwrap()).await;
    assert_eq!(
        (
            info["data"]["key_max_lifetime_days"].as_u64(),
            info["data"]["key_default_lifetime_days"].as_u64()
        ),
        (Some(90), Some(30))
    );
    let now = chrono::Utc::now();
    let (key, _) = app.create_key(&admin, "default").await;
    let days = (key.expires_at.unwrap() - now).num_hours() as f64 / 24.0;
    assert!((29.9..=30.1).contains(&days), "{days}");
    let (key, _) = app.create_key_with(&admin, json!({ "name": "ninety", "expires_at": (now + chrono::Duration::days(90)).to_rfc3339() })).await;
    assert!(key.expires_at.is_some());
    for body in [
        json!({ "name": "never", "expires_at": null }),
        json!({ "name": "far", "expires_at": (now + chrono::Duration::days(91)).to_rfc3339() }),
    ] {
        let res = admin
            .post(app.url("/api-keys"))
            .json(&body)
            .send()
            .await
            .unwrap();
        let problem = problem(res, 422, "expires_at_invalid").await;
        assert!(
            problem["detail"].as_str().unwrap().contains("90 days"),
            "{problem}"
        );
    }
    let path = app.url(&format!("/api-keys/{}", key.id));
    refused(
        admin
            .patch(&path)
            .json(&json!({ "expires_at": null }))
            .send()
            .await
            .unwrap(),
        "expires_at_invalid",
        "expires_at",
    )
    .await;
    assert_eq!(app.list_keys(&admin).await.len(), 2);
}

#[tokio::test]
async fn lifetimes_follow_the_policy_sqlite() {
    lifetimes_follow_the_policy(with_policy(Backend::Sqlite).await).await;
}

#[tokio::test]
async fn lifetimes_follow_the_policy_postgres() {
    lifetimes_follow_the_policy(with_policy(Backend::Postgres).await).await;
}

api_test! {
    async fn manage_lets_a_key_manage_keys_no_broader_than_itself(app) {
        let (_, ana) = app.user("ana", Role::User).await;
        let (_, plain) = app.create_key(&ana, "plain").await;
        let (_, manager) = app.create_key_with(&ana, json!({ "name": "ci", "scopes": ["llavero:manage", "compute:read"], "allowed_cidrs": ["127.0.0.0/8"] })).await;
        let by_key = |secret: &str, body: Value| {
            reqwest::Client::new().post(app.url("/api-keys")).header("MC-Api-Key", secret.to_owned()).json(&body)
        };
        // Every privilege is not llavero:manage.
        problem(by_key(&plain, json!({ "name": "x" })).send().await.unwrap(), 403, "key_not_allowed").await;
        // Within its own limits: fine.
        let res = by_key(&manager, json!({ "name": "child", "scopes": ["compute:read"], "allowed_cidrs": ["127.0.0.1"] })).send().await.unwrap();
        assert_eq!(res.status(), 201);
        // Broader than itself: refused, nothing created.
        for body in [
            json!({ "name": "all", "allowed_cidrs": ["127.0.0.1"] }),
            json!({ "name": "write", "scopes": ["compute:write"], "allowed_cidrs": ["127.0.0.1"] }),
            json!({ "name": "anywhere", "scopes": ["compute:read"] }),
        ] {
            problem(by_key(&manager, body).send().await.unwrap(), 403, "grant_exceeded").await;
        }
        // Nor may it roll (and so read a secret of) a broader key.
        let plain_id = app.list_keys(&ana).await.iter().find(|k| k.name == "plain").unwrap().id;
        let res = reqwest::Client::new().post(app.url(&format!("/api-keys/{plain_id}/roll"))).header("MC-Api-Key", &manager).json(&json!({ "grace_seconds": 0 })).send().await.unwrap();
        problem(res, 403, "grant_exceeded").await;
        assert_eq!(app.list_keys(&ana).await.len(), 3);
        // What acts on the account itself needs a session, whatever the key.
        for path in ["/auth/logout-everywhere", "/me/password"] {
            let res = reqwest::Client::new().post(app.url(path)).header("MC-Api-Key", &manager)
                .json(&json!({ "current_password": "x", "new_password": "a-long-enough-password" })).send().await.unwrap();
            problem(res, 403, "key_not_allowed").await;
        }
        // It reads Llavero's API as its owner.
        assert_eq!(app.get_with_key("/api-keys", &manager).await.status(), 200);
    }
}

api_test! {
    /// A stolen manager key leaves nothing behind: it manages keys (an
    /// admin's, a user's), but creates and changes no user and no webhook —
    /// those outlive its revocation and need a signed-in admin.
    async fn a_manage_key_manages_keys_but_never_users_or_webhooks(app) {
        let admin = app.admin().await;
        let (_, manager) = app.create_key_with(&admin, json!({ "name": "provisioning", "scopes": ["llavero:manage"] })).await;
        let (uma, user_client) = app.user("uma", Role::User).await;
        let (umas_key, _) = app.create_key(&user_client, "umas").await;
        let hook = json(admin.post(app.url("/webhooks")).json(&json!({ "url": "https://hooks.example.com/in" })).send().await.unwrap()).await["data"]["id"].as_str().unwrap().to_owned();
        let by_key = reqwest::Client::new();
        let attempts = [
            by_key.post(app.url("/users")).json(&json!({ "username": "by-key", "password": "a-long-enough-password" })),
            by_key.patch(app.url(&format!("/users/{}", uma.id))).json(&json!({ "disabled": true })),
            by_key.patch(app.url(&format!("/users/{}", uma.id))).json(&json!({ "password": "a-long-enough-password" })),
            by_key.patch(app.url(&format!("/users/{}", uma.id))).json(&json!({ "role": "admin" })),
            by_key.post(app.url("/webhooks")).json(&json!({ "url": "https://hooks.example.com/stolen" })),
            by_key.patch(app.url(&format!("/webhooks/{hook}"))).json(&json!({ "url": "https://hooks.example.com/stolen" })),
            by_key.delete(app.url(&format!("/webhooks/{hook}"))),
            by_key.post(app.url(&format!("/webhooks/{hook}/test"))),
        ];
        for req in attempts {
            problem(req.header("MC-Api-Key", &manager).send().await.unwrap(), 403, "key_not_allowed").await;
        }
        // Nothing changed.
        let users = json(admin.get(app.url("/users")).send().await.unwrap()).await;
        assert_eq!(users["data"].as_array().unwrap().len(), 2, "{users}");
        assert_eq!(json(admin.get(app.url(&format!("/users/{}", uma.id))).send().await.unwrap()).await["data"]["disabled"], false);
        let hooks = json(admin.get(app.url("/webhooks")).send().await.unwrap()).await;
        assert_eq!(hooks["data"].as_array().unwrap().len(), 1);
        assert_eq!(hooks["data"][0]["url"], "https://hooks.example.com/in");
        // Keys it manages: its owner's, and (an admin's key) a user's.
        let res = by_key.post(app.url("/api-keys")).header("MC-Api-Key", &manager).json(&json!({ "name": "made by the manager", "scopes": ["llavero:manage"] })).send().await.unwrap();
        assert_eq!(res.status(), 201);
        let res = by_key.delete(app.url(&format!("/users/{}/api-keys/{}", uma.id, umas_key.id))).header("MC-Api-Key", &manager).send().await.unwrap();
        assert_eq!(res.status(), 204);
        // It reads users and webhooks as its owner may.
        assert_eq!(app.get_with_key("/users", &manager).await.status(), 200);
        assert_eq!(app.get_with_key("/webhooks", &manager).await.status(), 200);
        // A signed-in admin does all of it.
        let res = admin.patch(app.url(&format!("/users/{}", uma.id))).json(&json!({ "disabled": true })).send().await.unwrap();
        assert_eq!(res.status(), 200);
    }
}
