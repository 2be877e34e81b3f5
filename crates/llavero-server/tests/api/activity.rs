//! The activity log: who, what, when, from where, with which key.

use llavero_types::Role;
use serde_json::json;

use crate::api_test;
use crate::helpers::new_client;

api_test! {
    async fn key_lifecycle_events_name_actor_ip_and_key(app) {
        let (user, client) = app.user("fede", Role::User).await;
        let (key, secret) = app.create_key(&client, "one").await;
        // Refused with the key (a key cannot manage keys): no event.
        let by_key = reqwest::Client::new();
        let res = by_key.patch(app.url(&format!("/api-keys/{}", key.id))).header("MC-Api-Key", &secret).json(&json!({ "name": "by-key" })).send().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 403);
        let res = client.patch(app.url(&format!("/api-keys/{}", key.id))).json(&json!({ "name": "two" })).send().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 200);
        client.delete(app.url(&format!("/api-keys/{}", key.id))).send().await.unwrap_or_else(|e| panic!("{e}"));
        client.post(app.url("/auth/logout")).send().await.unwrap_or_else(|e| panic!("{e}"));
        let relogin = new_client();
        app.login_with(&relogin, "fede", "pw-of-fede-123").await;

        let mut list = app.events(&relogin).await;
        // The key's first use (the refused PATCH authenticated it) is a
        // `key_new_address`, written by the usage flush at its own moment.
        list.data.retain(|e| e.action.as_str() != "key_new_address");
        let actions: Vec<&str> = list.data.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["login", "logout", "api_key_revoked", "api_key_renamed", "api_key_created", "login"]);
        for e in &list.data {
            assert_eq!(e.actor.as_ref().map(|a| a.id), Some(user.id));
            assert_eq!(e.ip.as_deref(), Some("127.0.0.1"));
        }
        let renamed = &list.data[3];
        assert_eq!(renamed.target_id, Some(key.id));
        assert_eq!(renamed.detail.as_deref(), Some("name: one → two"));
        assert!(list.data.iter().all(|e| e.api_key_id.is_none()), "every change was made by session");
    }
}

api_test! {
    async fn users_see_their_own_events_and_admins_see_all(app) {
        let (_, gina) = app.user("gina", Role::User).await;
        let (_, hugo) = app.user("hugo", Role::User).await;
        app.create_key(&gina, "g").await;
        app.create_key(&hugo, "h").await;
        let gina_events = app.events(&gina).await;
        assert!(gina_events.data.iter().all(|e| e.actor.as_ref().map(|a| a.username.as_str()) == Some("gina")));
        assert!(!gina_events.data.is_empty());
        let admin = app.admin().await;
        let all = app.events(&admin).await;
        for who in ["gina", "hugo", "admin"] {
            assert!(all.data.iter().any(|e| e.actor.as_ref().map(|a| a.username.as_str()) == Some(who)), "{who}");
        }
        assert!(all.data.iter().any(|e| e.action.as_str() == "user_created"));
    }
}

api_test! {
    async fn failed_sign_ins_are_logged(app) {
        let client = new_client();
        app.login_with(&client, "admin", "wrong-password").await;
        let admin = app.admin().await;
        let all = app.events(&admin).await;
        let failed = all.data.iter().find(|e| e.action.as_str() == "login_failed");
        assert!(failed.is_some_and(|e| e.actor.as_ref().map(|a| a.username.as_str()) == Some("admin")));
    }
}
