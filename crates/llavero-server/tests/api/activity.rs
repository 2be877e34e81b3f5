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

api_test! {
    async fn events_name_their_target_and_the_key_that_acted(app) {
        let admin = app.admin().await;
        let (ines, client) = app.user("ines", Role::User).await;
        let (key, _) = app.create_key(&client, "billing").await;
        // An admin's key granted `llavero:manage` revokes a user's key:
        // the event names the key revoked and the key that acted.
        let (manager, secret) = app.create_key_with(&admin, json!({ "name": "ops", "scopes": ["llavero:manage"] })).await;
        let (other, _) = app.create_key(&client, "other").await;
        let res = reqwest::Client::new().delete(app.url(&format!("/users/{}/api-keys/{}", ines.id, other.id))).header("MC-Api-Key", &secret)
            .send().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 204);
        let list = app.events(&admin).await;
        let created = list.data.iter().find(|e| e.action.as_str() == "api_key_created" && e.target_id == Some(key.id));
        assert_eq!(created.and_then(|e| e.target_name.as_deref()), Some("billing"));
        let disabled = list.data.iter().find(|e| e.action.as_str() == "api_key_revoked" && e.target_id == Some(other.id));
        let disabled = disabled.unwrap_or_else(|| panic!("no api_key_revoked event: {list:?}"));
        assert_eq!(disabled.target_name.as_deref(), Some("other"));
        let used = disabled.api_key.as_ref().unwrap_or_else(|| panic!("no key named: {disabled:?}"));
        assert_eq!((used.id, used.name.as_str(), used.hint.as_str()), (manager.id, "ops", manager.hint.as_str()));
        // A rename shows the key's name as it is now.
        let res = admin.patch(app.url(&format!("/api-keys/{}", manager.id))).json(&json!({ "name": "ops-2" })).send().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 200);
        let list = app.events(&admin).await;
        let disabled = list.data.iter().find(|e| e.action.as_str() == "api_key_revoked" && e.target_id == Some(other.id));
        assert_eq!(disabled.and_then(|e| e.api_key.as_ref()).map(|k| k.name.as_str()), Some("ops-2"));
    }
}

api_test! {
    async fn filters_by_action_and_for_admins_by_user(app) {
        let admin = app.admin().await;
        let (jon, jon_client) = app.user("jon", Role::User).await;
        let (_, kai_client) = app.user("kai", Role::User).await;
        app.create_key(&jon_client, "j1").await;
        app.create_key(&kai_client, "k1").await;
        app.create_key(&kai_client, "k2").await;
        let get = |client: &reqwest::Client, query: &str| {
            let req = client.get(app.url(&format!("/activity?{query}")));
            async move { req.send().await.unwrap_or_else(|e| panic!("{e}")) }
        };
        let created: llavero_types::ActivityList = crate::helpers::json_as(get(&admin, "action=api_key_created").await).await;
        assert_eq!(created.data.len(), 3);
        assert!(created.data.iter().all(|e| e.action.as_str() == "api_key_created"));
        let of_jon: llavero_types::ActivityList = crate::helpers::json_as(get(&admin, &format!("user={}", jon.id)).await).await;
        assert!(!of_jon.data.is_empty());
        assert!(of_jon.data.iter().all(|e| e.actor.as_ref().map(|a| a.id) == Some(jon.id) || e.target_id == Some(jon.id)), "{of_jon:?}");
        assert!(of_jon.data.iter().any(|e| e.action.as_str() == "user_created"), "the admin creating jon is about jon");
        let both: llavero_types::ActivityList = crate::helpers::json_as(get(&admin, &format!("user={}&action=api_key_created", jon.id)).await).await;
        assert_eq!(both.data.len(), 1);
        // A plain user may filter their own log, never ask for another's.
        let own: llavero_types::ActivityList = crate::helpers::json_as(get(&kai_client, "action=api_key_created").await).await;
        assert_eq!(own.data.len(), 2);
        crate::helpers::problem(get(&kai_client, &format!("user={}", jon.id)).await, 403, "admin_required").await;
        crate::helpers::problem(get(&admin, "action=nope").await, 400, "query_malformed").await;
        crate::helpers::problem(get(&admin, "user=not-a-uuid").await, 400, "query_malformed").await;
    }
}
