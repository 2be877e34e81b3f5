//! User B can neither see (the key or its usage), rename nor revoke user A's keys: every attempt is a
//! 404 (never a 403 that would confirm the key exists), and A's key is
//! unchanged. By key, renaming and revoking are refused before any lookup
//! (403 `key_not_allowed`, whoever's key it is), which confirms nothing.

use llavero_types::Role;
use serde_json::json;

use crate::api_test;
use crate::helpers::problem;

api_test! {
    async fn another_users_keys_are_invisible_and_untouchable(app) {
        let (_, alice) = app.user("alice", Role::User).await;
        let (_, bob) = app.user("bob", Role::User).await;
        let (key, secret) = app.create_key(&alice, "alice-key").await;
        let (_, bob_secret) = app.create_key(&bob, "bob-key").await;
        let path = format!("/api-keys/{}", key.id);

        // Bob by session and Bob by key: the same matrix.
        let by_key = reqwest::Client::new();
        let attempts: Vec<(&str, reqwest::RequestBuilder)> = vec![
            ("get/session", bob.get(app.url(&path))),
            ("rename/session", bob.patch(app.url(&path)).json(&json!({ "name": "pwned" }))),
            ("revoke/session", bob.delete(app.url(&path))),
            ("limits/session", bob.patch(app.url(&path)).json(&json!({ "scopes": ["compute:read"] }))),
            ("roll/session", bob.post(app.url(&format!("{path}/roll"))).json(&json!({ "grace_seconds": 0 }))),
            ("get/key", by_key.get(app.url(&path)).header("MC-Api-Key", &bob_secret)),
            ("usage/session", bob.get(app.url(&format!("{path}/usage")))),
            ("usage/key", by_key.get(app.url(&format!("{path}/usage"))).header("MC-Api-Key", &bob_secret)),
        ];
        for (what, req) in attempts {
            let res = req.send().await.unwrap_or_else(|e| panic!("{what}: {e}"));
            problem(res, 404, "not_found").await;
        }
        let by_key_changes = [
            by_key.patch(app.url(&path)).header("MC-Api-Key", &bob_secret).json(&json!({ "name": "pwned" })),
            by_key.delete(app.url(&path)).header("MC-Api-Key", &bob_secret),
            by_key.post(app.url(&format!("{path}/roll"))).header("MC-Api-Key", &bob_secret).json(&json!({ "grace_seconds": 0 })),
        ];
        for req in by_key_changes {
            problem(req.send().await.unwrap(), 403, "key_not_allowed").await;
        }
        // Bob's key granted llavero:manage manages Bob's keys, not Alice's.
        let (_, bob_manager) = app.create_key_with(&bob, json!({ "name": "bob-ci", "scopes": ["llavero:manage"] })).await;
        let by_manager = [
            by_key.get(app.url(&path)).header("MC-Api-Key", &bob_manager),
            by_key.get(app.url(&format!("{path}/usage"))).header("MC-Api-Key", &bob_manager),
            by_key.patch(app.url(&path)).header("MC-Api-Key", &bob_manager).json(&json!({ "name": "pwned" })),
            by_key.post(app.url(&format!("{path}/roll"))).header("MC-Api-Key", &bob_manager).json(&json!({ "grace_seconds": 0 })),
            by_key.delete(app.url(&path)).header("MC-Api-Key", &bob_manager),
        ];
        for req in by_manager {
            problem(req.send().await.unwrap(), 404, "not_found").await;
        }
        assert!(app.list_keys(&bob).await.iter().all(|k| k.id != key.id));
        let alices = app.list_keys(&alice).await;
        assert_eq!(alices.len(), 1);
        assert_eq!(alices[0].name, "alice-key");
        assert_eq!(app.verify_code(&secret).await, "VALID");
        // Non-admins cannot reach the admin view of Alice's keys either.
        problem(bob.get(app.url("/users")).send().await.unwrap_or_else(|e| panic!("{e}")), 403, "admin_required").await;
    }
}

api_test! {
    async fn an_admin_sees_and_revokes_a_users_keys(app) {
        let (alice_user, alice) = app.user("alice", Role::User).await;
        let (key, secret) = app.create_key(&alice, "alice-key").await;
        let admin = app.admin().await;
        let list = admin.get(app.url(&format!("/users/{}/api-keys", alice_user.id))).send().await.unwrap_or_else(|e| panic!("{e}"));
        assert!(list.text().await.unwrap_or_default().contains(&key.id.to_string()));
        // The admin's own list holds only the admin's keys.
        assert!(app.list_keys(&admin).await.is_empty());
        let res = admin.delete(app.url(&format!("/users/{}/api-keys/{}", alice_user.id, key.id))).send().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 204);
        assert_eq!(app.verify_code(&secret).await, "REVOKED");
    }
}
