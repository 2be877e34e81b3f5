//! The owner's key flow: generate, list, use, rename, revoke.

use llavero_types::{ApiKeyList, Role};
use serde_json::json;

use crate::api_test;
use crate::helpers::{json, problem};

api_test! {
    async fn a_new_key_is_shown_once_and_never_listed_again(app) {
        let admin = app.admin().await;
        let (key, secret) = app.create_key(&admin, "  backup-nightly  ").await;
        assert_eq!(key.name, "backup-nightly");
        assert!(secret.starts_with("mco_") && secret.len() == 40, "{secret}");
        assert_eq!(key.hint, format!("mco_…{}", &secret[36..]));
        assert!(key.last_used_at.is_none() && key.last_used_ip.is_none());
        let listed = admin.get(app.url("/api-keys")).send().await.unwrap_or_else(|e| panic!("{e}"));
        let text = listed.text().await.unwrap_or_default();
        assert!(text.contains(&key.id.to_string()));
        assert!(!text.contains(&secret[4..]), "the list leaks the secret");
        let one = admin.get(app.url(&format!("/api-keys/{}", key.id))).send().await.unwrap_or_else(|e| panic!("{e}"));
        let text = one.text().await.unwrap_or_default();
        assert!(!text.contains(&secret[4..]), "GET leaks the secret");
    }
}

api_test! {
    async fn a_key_authenticates_by_header_or_bearer_and_its_use_is_listed(app) {
        let admin = app.admin().await;
        let (key, secret) = app.create_key(&admin, "ci").await;
        let me = json(app.get_with_key("/me", &secret).await).await;
        assert_eq!(me["data"]["user"]["username"], "admin");
        assert_eq!(me["data"]["api_key"]["id"], key.id.to_string());
        assert_eq!(me["data"]["api_key"]["last_used_ip"], "127.0.0.1");
        let bearer = reqwest::Client::new().get(app.url("/me")).bearer_auth(&secret).send().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(bearer.status(), 200);
        let listed = app.list_keys_until(&admin, |l| l.iter().any(|k| k.id == key.id && k.last_used_at.is_some())).await;
        let row = listed.iter().find(|k| k.id == key.id).cloned();
        let row = row.unwrap_or_else(|| panic!("key missing from the list"));
        assert_eq!(row.last_used_ip.as_deref(), Some("127.0.0.1"));
        let used = row.last_used_at.unwrap_or_else(|| panic!("no last use recorded"));
        assert!(used > key.created_at);
        assert!((chrono::Utc::now() - used).num_seconds() < 30);
    }
}

api_test! {
    async fn the_list_is_newest_first_and_paginates_without_gaps(app) {
        let admin = app.admin().await;
        let mut ids = Vec::new();
        for i in 0..5 {
            ids.push(app.create_key(&admin, &format!("k{i}")).await.0.id);
        }
        ids.reverse();
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut url = app.url("/api-keys?limit=2");
            if let Some(c) = &cursor {
                url.push_str(&format!("&cursor={c}"));
            }
            let page: ApiKeyList = serde_json::from_value(json(admin.get(url).send().await.unwrap_or_else(|e| panic!("{e}"))).await).unwrap_or_else(|e| panic!("{e}"));
            assert!(page.data.len() <= 2);
            seen.extend(page.data.iter().map(|k| k.id));
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(seen, ids);
    }
}

api_test! {
    async fn rename_changes_only_the_name(app) {
        let admin = app.admin().await;
        let (key, secret) = app.create_key(&admin, "old").await;
        let res = admin.patch(app.url(&format!("/api-keys/{}", key.id))).json(&json!({ "name": " new name " })).send().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 200);
        let body = json(res).await;
        assert_eq!(body["data"]["name"], "new name");
        assert_eq!(body["data"]["hint"], key.hint);
        assert_eq!(app.verify_code(&secret).await, "VALID");
    }
}

api_test! {
    async fn a_revoked_key_is_refused_at_once_everywhere(app) {
        let admin = app.admin().await;
        let (key, secret) = app.create_key(&admin, "to-revoke").await;
        assert_eq!(app.get_with_key("/me", &secret).await.status(), 200);
        let res = admin.delete(app.url(&format!("/api-keys/{}", key.id))).send().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 204);
        problem(app.get_with_key("/me", &secret).await, 401, "key_revoked").await;
        assert_eq!(app.verify_code(&secret).await, "REVOKED");
        assert!(app.list_keys(&admin).await.iter().all(|k| k.id != key.id));
        problem(admin.get(app.url(&format!("/api-keys/{}", key.id))).send().await.unwrap_or_else(|e| panic!("{e}")), 404, "not_found").await;
        problem(admin.delete(app.url(&format!("/api-keys/{}", key.id))).send().await.unwrap_or_else(|e| panic!("{e}")), 404, "not_found").await;
    }
}

api_test! {
    async fn a_key_cannot_manage_keys_or_users(app) {
        let admin = app.admin().await;
        let (key, secret) = app.create_key(&admin, "stolen").await;
        let by_key = reqwest::Client::new();
        let path = format!("/api-keys/{}", key.id);
        let users = [
            by_key.post(app.url("/api-keys")).header("MC-Api-Key", &secret).json(&json!({ "name": "thief" })),
            by_key.patch(app.url(&path)).bearer_auth(&secret).json(&json!({ "name": "x" })),
            by_key.delete(app.url(&path)).header("MC-Api-Key", &secret),
            by_key.post(app.url("/users")).header("MC-Api-Key", &secret).json(&json!({ "username": "thief", "password": "thief-password-1", "role": "admin" })),
            by_key.post(app.url("/auth/logout-everywhere")).header("MC-Api-Key", &secret),
        ];
        for req in users {
            problem(req.send().await.unwrap(), 403, "key_not_allowed").await;
        }
        // Reading stays allowed, and nothing was made.
        assert_eq!(app.get_with_key("/api-keys", &secret).await.status(), 200);
        assert_eq!(app.get_with_key("/users", &secret).await.status(), 200);
        let keys = app.list_keys(&admin).await;
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].name, "stolen");
        assert_eq!(app.verify_code(&secret).await, "VALID");
    }
}

api_test! {
    async fn key_creation_is_limited_per_user_per_minute(app) {
        let admin = app.admin().await;
        let (_, other) = app.user("olga", Role::User).await;
        for i in 0..60 {
            app.create_key(&admin, &format!("k{i}")).await;
        }
        let res = admin.post(app.url("/api-keys")).json(&json!({ "name": "one-too-many" })).send().await.unwrap();
        let retry = res.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
        problem(res, 429, "rate_limited").await;
        assert!(retry.is_some_and(|s| (1..=120).contains(&s)), "{retry:?}");
        // Another user is not limited by it, and the count of keys is not limited.
        app.create_key(&other, "mine").await;
        assert_eq!(app.list_keys(&admin).await.len(), 50, "first page");
    }
}

api_test! {
    async fn malformed_and_unknown_keys_are_401(app) {
        let admin = app.admin().await;
        let (_, secret) = app.create_key(&admin, "real").await;
        let mut flipped = secret.clone().into_bytes();
        flipped[10] = if flipped[10] == b'a' { b'b' } else { b'a' };
        let flipped = String::from_utf8(flipped).unwrap_or_default();
        for bad in ["", "mco_", "not-a-key", "xyz_0000000000000000000000000000004I186y", flipped.as_str()] {
            let body = problem(app.get_with_key("/me", bad).await, 401, "key_malformed").await;
            assert!(!body.to_string().contains(&secret[4..]), "{body}");
        }
        let unknown = "mco_0000000000000000000000000000004I186y";
        problem(app.get_with_key("/me", unknown).await, 401, "key_unknown").await;
    }
}

api_test! {
    async fn an_expired_key_stops_working(app) {
        let admin = app.admin().await;
        let soon = chrono::Utc::now() + chrono::Duration::milliseconds(1500);
        let res = admin.post(app.url("/api-keys")).json(&json!({ "name": "short-lived", "expires_at": soon })).send().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 201);
        let secret = json(res).await["secret"].as_str().unwrap_or_default().to_owned();
        assert_eq!(app.verify_code(&secret).await, "VALID");
        tokio::time::sleep(std::time::Duration::from_millis(1700)).await;
        assert_eq!(app.verify_code(&secret).await, "EXPIRED");
        problem(app.get_with_key("/me", &secret).await, 401, "key_expired").await;
        let past = chrono::Utc::now() - chrono::Duration::seconds(1);
        let res = admin.post(app.url("/api-keys")).json(&json!({ "name": "x", "expires_at": past })).send().await.unwrap_or_else(|e| panic!("{e}"));
        problem(res, 422, "expires_at_invalid").await;
    }
}

api_test! {
    async fn a_key_has_its_owners_privileges_as_they_are_now(app) {
        let (user, client) = app.user("dora", Role::User).await;
        let (_, secret) = app.create_key(&client, "dora-cli").await;
        problem(app.get_with_key("/users", &secret).await, 403, "admin_required").await;
        let admin = app.admin().await;
        let res = admin.patch(app.url(&format!("/users/{}", user.id))).json(&json!({ "role": "admin" })).send().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 200);
        assert_eq!(app.get_with_key("/users", &secret).await.status(), 200);
        let verdict = json(app.verify(json!({ "key": secret })).await).await;
        assert_eq!(verdict["data"]["role"], "admin");
        admin.patch(app.url(&format!("/users/{}", user.id))).json(&json!({ "role": "user" })).send().await.unwrap_or_else(|e| panic!("{e}"));
        problem(app.get_with_key("/users", &secret).await, 403, "admin_required").await;
    }
}

api_test! {
    async fn different_keys_in_the_two_headers_are_refused(app) {
        let admin = app.admin().await;
        let (_, a) = app.create_key(&admin, "a").await;
        let (_, b) = app.create_key(&admin, "b").await;
        let res = reqwest::Client::new().get(app.url("/me")).header("MC-Api-Key", &a).bearer_auth(&b).send().await.unwrap_or_else(|e| panic!("{e}"));
        problem(res, 401, "credentials_ambiguous").await;
    }
}
