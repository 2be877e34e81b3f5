//! Sign-in, sessions, throttling and `/me`.

use llavero_types::Role;
use serde_json::json;

use crate::api_test;
use crate::helpers::{json, new_client, problem, ADMIN};

api_test! {
    async fn login_sets_a_strict_httponly_cookie_and_me_knows_the_caller(app) {
        let client = new_client();
        let res = app.login_with(&client, "ADMIN", &app.admin_password).await;
        assert_eq!(res.status(), 200);
        let cookie = res.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        assert!(cookie.starts_with("llavero_session="), "{cookie}");
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
        let me = json(client.get(app.url("/me")).send().await.unwrap_or_else(|e| panic!("{e}"))).await;
        assert_eq!(me["data"]["user"]["username"], ADMIN);
        assert_eq!(me["data"]["user"]["role"], "admin");
        assert!(me["data"]["api_key"].is_null());
    }
}

api_test! {
    async fn wrong_password_and_unknown_user_get_the_same_401(app) {
        let client = new_client();
        let a = problem(app.login_with(&client, ADMIN, "not-the-password").await, 401, "credentials_invalid").await;
        let b = problem(app.login_with(&client, "nobody-here", "not-the-password").await, 401, "credentials_invalid").await;
        assert_eq!(a["detail"], b["detail"]);
        problem(client.get(app.url("/me")).send().await.unwrap_or_else(|e| panic!("{e}")), 401, "authentication_required").await;
    }
}

api_test! {
    async fn logout_ends_the_session_even_for_a_replayed_cookie(app) {
        let client = new_client();
        let res = app.login_with(&client, ADMIN, &app.admin_password).await;
        let cookie = res.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let pair = cookie.split(';').next().unwrap_or("").to_owned();
        let res = client.post(app.url("/auth/logout")).send().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 204);
        let replay = reqwest::Client::new().get(app.url("/me")).header("cookie", pair).send().await.unwrap_or_else(|e| panic!("{e}"));
        problem(replay, 401, "session_expired").await;
    }
}

api_test! {
    async fn repeated_failures_are_throttled_with_retry_after(app) {
        let client = new_client();
        for _ in 0..5 {
            problem(app.login_with(&client, ADMIN, "wrong-password").await, 401, "credentials_invalid").await;
        }
        let res = app.login_with(&client, ADMIN, &app.admin_password).await;
        let retry = res.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
        problem(res, 429, "rate_limited").await;
        assert!(retry.is_some_and(|s| s > 0 && s <= 900), "{retry:?}");
    }
}

api_test! {
    async fn missing_fields_in_login_are_422(app) {
        let res = new_client().post(app.url("/auth/login")).json(&json!({ "username": "", "password": "" })).send().await.unwrap_or_else(|e| panic!("{e}"));
        let body = problem(res, 422, "invalid_input").await;
        assert_eq!(body["errors"].as_array().map(Vec::len), Some(2), "{body}");
    }
}

api_test! {
    async fn a_disabled_users_session_stops_working_at_once(app) {
        let (user, client) = app.user("carla", Role::User).await;
        assert_eq!(client.get(app.url("/me")).send().await.map(|r| r.status().as_u16()).unwrap_or(0), 200);
        let admin = app.admin().await;
        let res = admin.patch(app.url(&format!("/users/{}", user.id))).json(&json!({ "disabled": true })).send().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 200);
        problem(client.get(app.url("/me")).send().await.unwrap_or_else(|e| panic!("{e}")), 401, "session_expired").await;
        let res = app.login_with(&new_client(), "carla", "pw-of-carla-123").await;
        problem(res, 403, "account_disabled").await;
    }
}

api_test! {
    async fn an_expired_session_is_401(app) {
        use sea_orm::{ConnectionTrait, Database};
        let client = app.admin().await;
        assert_eq!(client.get(app.url("/me")).send().await.map(|r| r.status().as_u16()).unwrap_or(0), 200);
        let db = Database::connect(&app.database_url).await.unwrap_or_else(|e| panic!("{e}"));
        db.execute_unprepared("UPDATE sessions SET expires_at = created_at").await.unwrap_or_else(|e| panic!("{e}"));
        db.close().await.unwrap_or_else(|e| panic!("{e}"));
        problem(client.get(app.url("/me")).send().await.unwrap_or_else(|e| panic!("{e}")), 401, "session_expired").await;
    }
}
