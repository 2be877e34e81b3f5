//! Sign-in, sessions, throttling and `/me`.

use llavero_types::Role;
use serde_json::json;

use crate::api_test;
use crate::helpers::{json, new_client, problem, spawn_app_with, Backend, TestApp, ADMIN};

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

/// Signs in as `username` with `password`, as if from `ip` (the test app
/// trusts 127.0.0.1 as a proxy); returns the status, the code (if a
/// problem) and `Retry-After`.
async fn login_from(
    app: &TestApp,
    ip: &str,
    username: &str,
    password: &str,
) -> (u16, String, Option<u64>) {
    login_as(app, &new_client(), ip, username, password).await
}

/// Signs in with `client` (its cookies kept); status, code and Retry-After.
async fn login_as(
    app: &TestApp,
    client: &reqwest::Client,
    ip: &str,
    username: &str,
    password: &str,
) -> (u16, String, Option<u64>) {
    let res = client
        .post(app.url("/auth/login"))
        .header("x-forwarded-for", ip)
        .json(&json!({ "username": username, "password": password }))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let retry = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let code = if status == 200 {
        String::new()
    } else {
        json(res).await["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    (status, code, retry)
}

async fn behind_a_proxy(backend: Backend, extra: &[(&str, &str)]) -> TestApp {
    let mut vars = vec![("LLAVERO_TRUSTED_PROXIES", "127.0.0.1")];
    vars.extend_from_slice(extra);
    spawn_app_with(backend, &vars).await
}

async fn parallel_guesses_get_no_more_checks_than_sequential_ones(backend: Backend) {
    let app = behind_a_proxy(backend, &[]).await;
    let guesses = (0..100).map(|i| {
        let app = &app;
        async move { login_from(app, "198.51.100.7", ADMIN, &format!("guess-{i}")).await }
    });
    let answers = futures::future::join_all(guesses).await;
    let with = |s: u16, code: &str| answers.iter().filter(|a| a.0 == s && a.1 == code).count();
    // Each attempt is counted before its password is checked: 10 checks
    // (401, or 503 `busy` if one waited too long for a hashing turn), the
    // rest refused unchecked (429).
    let checks = with(401, "credentials_invalid") + with(503, "busy");
    // An attempt that cannot reach its throttle count within PostgreSQL's
    // 750 ms acquire deadline (100 attempts queue on one row through a
    // 16-connection pool; seen beside the CPU hogs of `just flake-hunt`) is
    // refused unchecked too, 503 `database_unavailable`: fail-closed. Then
    // fewer than 10 passwords may be checked — never more.
    let unreachable = with(503, "database_unavailable");
    assert_eq!(
        checks + with(429, "rate_limited") + unreachable,
        100,
        "{answers:?}"
    );
    assert!(
        checks <= 10,
        "more checks than sequential guesses get: {answers:?}"
    );
    if unreachable == 0 {
        assert_eq!(checks, 10, "{answers:?}");
    }
    assert!(
        answers
            .iter()
            .filter(|a| a.0 == 429)
            .all(|a| a.1 == "rate_limited" && a.2.is_some_and(|s| s > 0 && s <= 1800)),
        "{answers:?}"
    );
    // The guesser's address stays stopped, even with the right password...
    assert_eq!(
        login_from(&app, "198.51.100.7", ADMIN, &app.admin_password)
            .await
            .0,
        429
    );
    // ...but the owner, elsewhere, signs in: nobody can lock an account.
    assert_eq!(
        login_from(&app, "203.0.113.5", ADMIN, &app.admin_password)
            .await
            .0,
        200
    );
    // An IPv6 guesser is one client across its /64 (another account here:
    // the admin's own budget across addresses is the next test's).
    for i in 0..10u16 {
        let ip = format!("2001:db8:7:7::{:x}", i + 1);
        assert_eq!(login_from(&app, &ip, "someone", "guess").await.0, 401);
    }
    assert_eq!(
        login_from(&app, "2001:db8:7:7:ffff::1", "someone", "guess")
            .await
            .0,
        429
    );
    assert_eq!(
        login_from(&app, "2001:db8:7:8::1", ADMIN, &app.admin_password)
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn parallel_guesses_get_no_more_checks_than_sequential_ones_sqlite() {
    parallel_guesses_get_no_more_checks_than_sequential_ones(Backend::Sqlite).await;
}

#[tokio::test]
async fn parallel_guesses_get_no_more_checks_than_sequential_ones_postgres() {
    parallel_guesses_get_no_more_checks_than_sequential_ones(Backend::Postgres).await;
}

#[tokio::test]
async fn one_address_guessing_across_accounts_is_stopped() {
    let app = behind_a_proxy(Backend::Sqlite, &[]).await;
    for i in 0..50 {
        let (status, _, _) = login_from(&app, "198.51.100.9", &format!("user{i}"), "guess").await;
        assert_eq!(status, 401, "attempt {i}");
    }
    let (status, code, _) = login_from(&app, "198.51.100.9", "someone-else", "guess").await;
    assert_eq!((status, code.as_str()), (429, "rate_limited"));
    assert_eq!(
        login_from(&app, "198.51.100.10", ADMIN, &app.admin_password)
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn password_work_beyond_its_bound_is_503_busy_not_memory() {
    let app = behind_a_proxy(Backend::Sqlite, &[("LLAVERO_HASH_CONCURRENCY", "1")]).await;
    // 300 sign-ins at once, each from its own address (no throttle applies):
    // one argon2 run at a time, the rest wait up to 2 s, then 503 busy.
    let attempts = (0..300u32).map(|i| {
        let app = &app;
        async move {
            let ip = format!("10.{}.{}.{}", i / 65536, (i / 256) % 256, i % 256);
            login_from(app, &ip, &format!("nobody{i}"), "guess").await
        }
    });
    let answers = futures::future::join_all(attempts).await;
    assert!(
        answers
            .iter()
            .all(|a| a.0 == 401 || (a.0 == 503 && a.1 == "busy" && a.2 == Some(1))),
        "{answers:?}"
    );
    assert!(
        answers.iter().any(|a| a.0 == 503),
        "no attempt was turned away"
    );
    assert!(answers.iter().any(|a| a.0 == 401), "no attempt was checked");
}

api_test! {
    async fn changing_my_password_ends_my_other_sessions_but_not_this_one(app) {
        let (_, here) = app.user("dora", Role::User).await;
        let elsewhere = new_client();
        assert_eq!(app.login_with(&elsewhere, "dora", "pw-of-dora-123").await.status(), 200);
        let change = |current: &str, new: &str| here.post(app.url("/me/password")).json(&json!({ "current_password": current, "new_password": new })).send();
        problem(change("wrong-one", "a-new-password-1").await.unwrap(), 422, "current_password_invalid").await;
        problem(change("pw-of-dora-123", "short").await.unwrap(), 422, "password_invalid").await;
        assert_eq!(change("pw-of-dora-123", "a-new-password-1").await.unwrap().status(), 204);
        assert_eq!(here.get(app.url("/me")).send().await.unwrap().status(), 200);
        problem(elsewhere.get(app.url("/me")).send().await.unwrap(), 401, "session_expired").await;
        assert_eq!(app.login_with(&new_client(), "dora", "pw-of-dora-123").await.status(), 401);
        assert_eq!(app.login_with(&new_client(), "dora", "a-new-password-1").await.status(), 200);
        // A key cannot change its owner's password.
        let (_, key) = app.create_key(&here, "k").await;
        let res = reqwest::Client::new().post(app.url("/me/password")).header("MC-Api-Key", &key).json(&json!({ "current_password": "a-new-password-1", "new_password": "another-one-2" })).send().await.unwrap();
        problem(res, 403, "key_not_allowed").await;
    }
}

api_test! {
    async fn signing_out_everywhere_ends_every_session(app) {
        let (_, one) = app.user("eva", Role::User).await;
        let two = new_client();
        assert_eq!(app.login_with(&two, "eva", "pw-of-eva-123").await.status(), 200);
        let res = two.post(app.url("/auth/logout-everywhere")).send().await.unwrap();
        assert_eq!(res.status(), 204);
        problem(one.get(app.url("/me")).send().await.unwrap(), 401, "session_expired").await;
        problem(two.get(app.url("/me")).send().await.unwrap(), 401, "authentication_required").await;
    }
}

api_test! {
    async fn a_session_unused_for_its_idle_time_has_ended(app) {
        use sea_orm::{ConnectionTrait, Database};
        let client = app.admin().await;
        let db = Database::connect(&app.database_url).await.unwrap();
        // Seen 61 minutes ago, created 2 hours ago: past the 60-minute idle limit.
        let old = (chrono::Utc::now() - chrono::Duration::minutes(61)).to_rfc3339();
        let older = (chrono::Utc::now() - chrono::Duration::minutes(120)).to_rfc3339();
        let sql = format!("UPDATE sessions SET last_seen_at = '{old}', created_at = '{older}'");
        db.execute_unprepared(&sql).await.unwrap();
        problem(client.get(app.url("/me")).send().await.unwrap(), 401, "session_expired").await;
        // The periodic purge deletes it (housekeeping runs this every 5 minutes).
        let store = llavero_store::Store::connect(&app.database_url, 1).await.unwrap();
        assert_eq!(store.session_purge_expired(chrono::Duration::minutes(60)).await.unwrap(), 1);
        assert_eq!(store.session_purge_expired(chrono::Duration::minutes(60)).await.unwrap(), 0);
        // Seen 59 minutes ago: still alive, and the visit is recorded.
        let fresh = app.admin().await;
        let recent = (chrono::Utc::now() - chrono::Duration::minutes(59)).to_rfc3339();
        db.execute_unprepared(&format!("UPDATE sessions SET last_seen_at = '{recent}'")).await.unwrap();
        assert_eq!(fresh.get(app.url("/me")).send().await.unwrap().status(), 200);
        assert_eq!(fresh.get(app.url("/me")).send().await.unwrap().status(), 200);
        db.close().await.unwrap();
    }
}

api_test! {
    /// A password is measured in characters everywhere: 600 `ñ` (1,200
    /// bytes, over the 1,024 limit counted in bytes) can be set, signed in
    /// with and changed again — it locked its owner out when sign-in
    /// counted bytes.
    async fn a_long_non_ascii_password_that_can_be_set_can_be_used(app) {
        let (_, here) = app.user("nuria", Role::User).await;
        let long = "ñ".repeat(600);
        let change = |current: String, new: String| here.post(app.url("/me/password")).json(&json!({ "current_password": current, "new_password": new })).send();
        assert_eq!(change("pw-of-nuria-123".into(), long.clone()).await.unwrap().status(), 204);
        assert_eq!(app.login_with(&new_client(), "nuria", &long).await.status(), 200, "signing in with the password just set");
        assert_eq!(change(long.clone(), "back-to-short-1".into()).await.unwrap().status(), 204);
        // The limit itself, in characters, on every path.
        let too_long = "ñ".repeat(1025);
        problem(change("back-to-short-1".into(), too_long.clone()).await.unwrap(), 422, "password_invalid").await;
        problem(app.login_with(&new_client(), "nuria", &too_long).await, 401, "credentials_invalid").await;
        let most = "ñ".repeat(1024);
        assert_eq!(change("back-to-short-1".into(), most.clone()).await.unwrap().status(), 204);
        assert_eq!(app.login_with(&new_client(), "nuria", &most).await.status(), 200);
    }
}

/// Signs in as `username` from `ip` with `client` (which keeps its cookies:
/// a browser).
async fn login_as_browser(
    app: &TestApp,
    client: &reqwest::Client,
    ip: &str,
    username: &str,
    password: &str,
) -> (u16, Option<u64>) {
    let (status, _, retry) = login_as(app, client, ip, username, password).await;
    (status, retry)
}

/// Guessing one account's password from many addresses (a /48 holds
/// 65,536 /64s, each with its own per-address allowance) is stopped by a
/// per-account budget — while the owner, from a browser that signed in
/// before, is never slowed down by it.
async fn distributed_guessing_is_stopped_but_the_owners_browser_signs_in(backend: Backend) {
    let app = behind_a_proxy(backend, &[]).await;
    // The owner's browser signed in once before (a device cookie).
    let owners_browser = new_client();
    assert_eq!(
        login_as_browser(
            &app,
            &owners_browser,
            "192.0.2.10",
            ADMIN,
            &app.admin_password
        )
        .await
        .0,
        200
    );

    // The attack: one guess from each of 40 /64s of one /48.
    let mut checked = 0;
    let mut refused = Vec::new();
    for i in 0..40u16 {
        let ip = format!("2001:db8:aaaa:{i:x}::1");
        match login_from(&app, &ip, ADMIN, &format!("guess-{i}")).await {
            (401, code, _) if code == "credentials_invalid" => checked += 1,
            (429, code, retry) if code == "rate_limited" => refused.push(retry),
            other => panic!("attempt {i}: {other:?}"),
        }
    }
    assert_eq!(
        checked, 15,
        "at most 15 checks per 7.5 minutes (30 per 15) without a device cookie"
    );
    assert!(
        refused
            .iter()
            .all(|r| r.is_some_and(|s| (1..=900).contains(&s))),
        "a new browser waits at most 15 minutes: {refused:?}"
    );

    // The owner's browser signs in at once, from anywhere...
    assert_eq!(
        login_as_browser(
            &app,
            &owners_browser,
            "198.51.100.200",
            ADMIN,
            &app.admin_password
        )
        .await
        .0,
        200
    );
    // ...while a new browser, even with the right password, waits.
    let (status, retry) = login_as_browser(
        &app,
        &new_client(),
        "203.0.113.200",
        ADMIN,
        &app.admin_password,
    )
    .await;
    assert_eq!(status, 429);
    assert!(retry.is_some_and(|s| s <= 900), "{retry:?}");
}

#[tokio::test]
async fn distributed_guessing_is_stopped_but_the_owners_browser_signs_in_sqlite() {
    distributed_guessing_is_stopped_but_the_owners_browser_signs_in(Backend::Sqlite).await;
}

#[tokio::test]
async fn distributed_guessing_is_stopped_but_the_owners_browser_signs_in_postgres() {
    distributed_guessing_is_stopped_but_the_owners_browser_signs_in(Backend::Postgres).await;
}

/// A device cookie counts for its own account only, cannot be forged, and
/// a device that guesses is limited by itself (the owner's other browser
/// is not).
#[tokio::test]
async fn a_device_cookie_is_limited_by_itself_and_only_for_its_account() {
    let app = behind_a_proxy(Backend::Sqlite, &[]).await;
    let (_, _) = app.user("vera", Role::User).await;
    let guesser = new_client();
    assert_eq!(
        login_as_browser(&app, &guesser, "192.0.2.20", "vera", "pw-of-vera-123")
            .await
            .0,
        200
    );
    let res = guesser
        .post(app.url("/auth/login"))
        .header("x-forwarded-for", "192.0.2.20")
        .json(&json!({ "username": "vera", "password": "pw-of-vera-123" }))
        .send()
        .await
        .unwrap();
    let set = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect::<Vec<_>>();
    let device = set
        .iter()
        .find(|c| c.starts_with("llavero_device="))
        .unwrap_or_else(|| panic!("no device cookie: {set:?}"));
    for part in ["HttpOnly", "SameSite=Strict", "Path=/api/v1/auth"] {
        assert!(device.contains(part), "{device}");
    }
    // With the device cookie, 10 wrong guesses, each from a new address,
    // then this device is stopped...
    for i in 0..10 {
        let ip = format!("198.51.100.{}", 30 + i);
        assert_eq!(
            login_as_browser(&app, &guesser, &ip, "vera", "wrong-guess-1")
                .await
                .0,
            401,
            "guess {i}"
        );
    }
    assert_eq!(
        login_as_browser(&app, &guesser, "198.51.100.99", "vera", "pw-of-vera-123")
            .await
            .0,
        429
    );
    // ...but not the account: a new browser signs in.
    assert_eq!(
        login_as_browser(
            &app,
            &new_client(),
            "203.0.113.30",
            "vera",
            "pw-of-vera-123"
        )
        .await
        .0,
        200
    );
    // Vera's device cookie is not the admin's: for the admin it is an
    // unknown browser, throttled with every other.
    let value = device
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("llavero_device=")
        .to_owned();
    let forged = |v: &str| {
        let v = v.to_owned();
        let app = &app;
        async move {
            reqwest::Client::new()
                .post(app.url("/auth/login"))
                .header("x-forwarded-for", "192.0.2.40")
                .header("cookie", format!("llavero_device={v}"))
                .json(&json!({ "username": ADMIN, "password": "guess" }))
                .send()
                .await
                .unwrap()
        }
    };
    for _ in 0..10 {
        assert_eq!(forged(&value).await.status(), 401);
    }
    assert_eq!(
        forged(&value).await.status(),
        429,
        "limited per address and account, as any stranger"
    );
    let tampered = format!("x{value}");
    assert_eq!(forged(&tampered).await.status(), 429);
}
