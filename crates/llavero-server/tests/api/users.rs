//! Admin user management.

use llavero_types::{Role, UserList};
use serde_json::json;

use crate::api_test;
use crate::helpers::{json, new_client, problem};

api_test! {
    async fn admins_create_list_get_and_update_users(app) {
        let admin = app.admin().await;
        let res = admin.post(app.url("/users")).json(&json!({ "username": "Ines", "password": "a-long-password" })).send().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 201);
        assert!(res.headers().contains_key("location"));
        let created = json(res).await;
        assert_eq!(created["data"]["username"], "ines");
        assert_eq!(created["data"]["role"], "user");
        let id = created["data"]["id"].as_str().unwrap_or_default().to_owned();
        let list: UserList = serde_json::from_value(json(admin.get(app.url("/users")).send().await.unwrap_or_else(|e| panic!("{e}"))).await).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(list.data.iter().map(|u| u.username.as_str()).collect::<Vec<_>>(), ["ines", "admin"]);
        let one = json(admin.get(app.url(&format!("/users/{id}"))).send().await.unwrap_or_else(|e| panic!("{e}"))).await;
        assert_eq!(one["data"]["id"], id);
        let res = admin.patch(app.url(&format!("/users/{id}"))).json(&json!({ "role": "admin" })).send().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(json(res).await["data"]["role"], "admin");
        let res = app.login_with(&new_client(), "ines", "a-long-password").await;
        assert_eq!(res.status(), 200);
    }
}

api_test! {
    async fn user_administration_is_admin_only(app) {
        let (user, client) = app.user("juan", Role::User).await;
        let attempts = [
            client.get(app.url("/users")),
            client.post(app.url("/users")).json(&json!({ "username": "x-user", "password": "a-long-password" })),
            client.get(app.url(&format!("/users/{}", user.id))),
            client.patch(app.url(&format!("/users/{}", user.id))).json(&json!({ "role": "admin" })),
            client.get(app.url(&format!("/users/{}/api-keys", user.id))),
        ];
        for req in attempts {
            problem(req.send().await.unwrap_or_else(|e| panic!("{e}")), 403, "admin_required").await;
        }
        let me = json(client.get(app.url("/me")).send().await.unwrap_or_else(|e| panic!("{e}"))).await;
        assert_eq!(me["data"]["user"]["role"], "user");
    }
}

api_test! {
    async fn bad_user_input_is_refused_and_changes_nothing(app) {
        let admin = app.admin().await;
        let cases = [
            (json!({ "username": "ab", "password": "a-long-password" }), 422, "username_invalid"),
            (json!({ "username": "has space", "password": "a-long-password" }), 422, "username_invalid"),
            (json!({ "username": "kiko", "password": "short" }), 422, "password_invalid"),
            (json!({ "username": "x", "password": "short" }), 422, "invalid_input"),
            (json!({ "username": "admin", "password": "a-long-password" }), 409, "username_taken"),
            (json!({ "username": "ADMIN", "password": "a-long-password" }), 409, "username_taken"),
            (json!({ "username": "kiko", "password": "a-long-password", "role": "root" }), 422, "invalid_input"),
            (json!({ "password": "a-long-password" }), 422, "invalid_input"),
        ];
        for (body, status, code) in cases {
            let res = admin.post(app.url("/users")).json(&body).send().await.unwrap_or_else(|e| panic!("{e}"));
            problem(res, status, code).await;
        }
        let list: UserList = serde_json::from_value(json(admin.get(app.url("/users")).send().await.unwrap_or_else(|e| panic!("{e}"))).await).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(list.data.len(), 1);
        let admin_id = list.data[0].id;
        let res = admin.patch(app.url(&format!("/users/{admin_id}"))).json(&json!({})).send().await.unwrap_or_else(|e| panic!("{e}"));
        problem(res, 422, "nothing_to_change").await;
        let res = admin.patch(app.url(&format!("/users/{}", uuid::Uuid::new_v4()))).json(&json!({ "disabled": true })).send().await.unwrap_or_else(|e| panic!("{e}"));
        problem(res, 404, "not_found").await;
    }
}

api_test! {
    async fn the_last_enabled_admin_cannot_be_demoted_or_disabled(app) {
        let admin = app.admin().await;
        let me = json(admin.get(app.url("/me")).send().await.unwrap_or_else(|e| panic!("{e}"))).await;
        let id = me["data"]["user"]["id"].as_str().unwrap_or_default().to_owned();
        for change in [json!({ "role": "user" }), json!({ "disabled": true })] {
            let res = admin.patch(app.url(&format!("/users/{id}"))).json(&change).send().await.unwrap_or_else(|e| panic!("{e}"));
            problem(res, 409, "last_admin").await;
        }
        app.user("second-admin", Role::Admin).await;
        let res = admin.patch(app.url(&format!("/users/{id}"))).json(&json!({ "role": "user" })).send().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 200);
    }
}

api_test! {
    async fn a_new_password_ends_sessions_and_the_old_one_stops_working(app) {
        let (user, client) = app.user("luz", Role::User).await;
        let admin = app.admin().await;
        let res = admin.patch(app.url(&format!("/users/{}", user.id))).json(&json!({ "password": "brand-new-password" })).send().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 200);
        problem(client.get(app.url("/me")).send().await.unwrap_or_else(|e| panic!("{e}")), 401, "session_expired").await;
        problem(app.login_with(&new_client(), "luz", "pw-of-luz-123").await, 401, "credentials_invalid").await;
        assert_eq!(app.login_with(&new_client(), "luz", "brand-new-password").await.status(), 200);
    }
}

/// The enabled admins, as the admin API lists them to whichever of
/// `clients` is still an admin.
async fn enabled_admins(
    app: &crate::helpers::TestApp,
    clients: &[&reqwest::Client],
) -> Vec<String> {
    for client in clients {
        let res = client
            .get(app.url("/users?limit=200"))
            .send()
            .await
            .unwrap();
        if res.status() != 200 {
            continue;
        }
        let list: UserList = serde_json::from_value(json(res).await).unwrap();
        return list
            .data
            .into_iter()
            .filter(|u| u.role == Role::Admin && !u.disabled)
            .map(|u| u.id.to_string())
            .collect();
    }
    Vec::new()
}

api_test! {
    async fn concurrent_demotions_never_leave_the_installation_without_an_admin(app) {
        // Two admins, each demoting the other, or one demoting and the other
        // disabling, at the same moment: exactly one change may win.
        let root = app.admin().await;
        let me = json(root.get(app.url("/me")).send().await.unwrap()).await;
        let first = me["data"]["user"]["id"].as_str().unwrap().to_owned();
        let (second_user, second) = app.user("second-admin", Role::Admin).await;
        let second_id = second_user.id.to_string();
        for round in 0..25 {
            let change = if round % 2 == 0 { json!({ "role": "user" }) } else { json!({ "disabled": true }) };
            let (a, b) = tokio::join!(
                root.patch(app.url(&format!("/users/{second_id}"))).json(&change).send(),
                second.patch(app.url(&format!("/users/{first}"))).json(&change).send(),
            );
            let mut statuses = [a.unwrap().status().as_u16(), b.unwrap().status().as_u16()];
            statuses.sort_unstable();
            // Both may also be refused at authentication when one change
            // committed before the other request was even authenticated.
            assert!(matches!(statuses, [200, 409] | [200, 401] | [200, 403]), "round {round}: {statuses:?}");
            let admins = enabled_admins(&app, &[&root, &second]).await;
            assert_eq!(admins.len(), 1, "round {round}: enabled admins {admins:?}");
            // Put the loser back: the winner restores it (sessions of a
            // disabled admin end, so sign it in again).
            let (winner, loser) = if admins[0] == first { (&root, &second_id) } else { (&second, &first) };
            let res = winner.patch(app.url(&format!("/users/{loser}"))).json(&json!({ "role": "admin", "disabled": false })).send().await.unwrap();
            assert_eq!(res.status(), 200, "round {round}: restoring the loser");
            let loser_client = if loser == &first { &root } else { &second };
            let password = if loser == &first { app.admin_password.clone() } else { "pw-of-second-admin-123".to_owned() };
            let username = if loser == &first { crate::helpers::ADMIN } else { "second-admin" };
            if loser_client.get(app.url("/me")).send().await.unwrap().status() != 200 {
                assert_eq!(app.login_with(loser_client, username, &password).await.status(), 200);
            }
        }
    }
}

api_test! {
    async fn the_list_counts_each_users_working_keys(app) {
        let admin = app.admin().await;
        let (lia, client) = app.user("lia", Role::User).await;
        let (_, moe) = app.user("moe", Role::User).await;
        let (gone, _) = app.create_key(&client, "gone").await;
        app.create_key(&client, "kept").await;
        let (old, _) = app.create_key(&client, "old").await;
        expire(&app, old.id).await;
        let res = client.delete(app.url(&format!("/api-keys/{}", gone.id))).send().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 204);
        app.create_key(&moe, "m").await;
        let res = admin.get(app.url("/users")).send().await.unwrap_or_else(|e| panic!("{e}"));
        let list: UserList = crate::helpers::json_as(res).await;
        let count = |name: &str| list.data.iter().find(|u| u.username == name).map(|u| u.active_keys);
        assert_eq!(count("lia"), Some(1), "revoked and expired keys do not count");
        assert_eq!(count("moe"), Some(1));
        assert_eq!(count("admin"), Some(0));
        assert!(list.data.iter().any(|u| u.id == lia.id && !u.disabled && u.role == Role::User));
    }
}

/// Makes `key` expired a day ago, in the test's own database.
async fn expire(app: &crate::helpers::TestApp, key: uuid::Uuid) {
    let at = (chrono::Utc::now() - chrono::Duration::days(1)).to_rfc3339();
    app.execute_sql(&format!(
        "UPDATE api_keys SET expires_at = '{at}' WHERE id = {}",
        app.id_sql(key)
    ))
    .await;
}
