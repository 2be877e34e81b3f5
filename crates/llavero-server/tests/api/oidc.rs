//! Sign-in through the identity provider, against a real OpenID provider
//! (see `identity_provider`): the whole flow to a working key, users and
//! roles from the provider's claims, and every bad input answered with a
//! clear error and no session.

use std::time::{Duration, Instant};

use llavero_types::{ActivityAction, ApiKeyCreated, MeResponse, Role, UserResponse};
use serde_json::{json, Value};

use crate::helpers::{
    json, json_as, logs, new_client, problem, spawn_app_with, Backend, TestApp, ADMIN,
};
use crate::identity_provider::{authorize, location, sign_in, Provider, ADMINS, CLIENT_SECRET};

async fn app_for(
    backend: Backend,
    issuer: &str,
    client_id: &str,
    extra: &[(&str, &str)],
) -> TestApp {
    let mut settings = Provider::settings(issuer, client_id);
    settings.extend_from_slice(extra);
    spawn_app_with(backend, &settings).await
}

/// Runs a test body once per backend, each with its own provider and app.
macro_rules! oidc_test {
    ($(#[$meta:meta])* async fn $name:ident($app:ident, $idp:ident) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn run($app: TestApp, $idp: Provider) $body
            #[tokio::test]
            async fn sqlite() {
                let idp = Provider::start(&[]).await;
                let app = app_for(Backend::Sqlite, &idp.issuer, "llavero", &[]).await;
                run(app, idp).await
            }
            #[tokio::test]
            async fn postgres() {
                let idp = Provider::start(&[]).await;
                let app = app_for(Backend::Postgres, &idp.issuer, "llavero", &[]).await;
                run(app, idp).await
            }
        }
    };
}

async fn me(app: &TestApp, client: &reqwest::Client) -> reqwest::Response {
    client.get(app.url("/me")).send().await.unwrap()
}

fn has_session_cookie(res: &reqwest::Response) -> bool {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|c| c.starts_with("llavero_session=") && !c.starts_with("llavero_session=;"))
}

oidc_test! {
    /// The story: a new user signs in at the provider, lands on the
    /// web app as a Llavero user with the provider's role, and makes a key
    /// that works.
    async fn a_provider_user_signs_in_and_makes_a_working_key(app, idp) {
        let client = new_client();
        let callback = authorize(&client, &app.api, "ana", "ana-password").await;
        let res = client.get(&callback).send().await.unwrap();
        assert_eq!(res.status(), 303);
        assert!(has_session_cookie(&res));
        assert_eq!(location(&app.api, &res), app.url("").replace("/api/v1", "/"));

        let me: MeResponse = json_as(me(&app, &client).await).await;
        assert_eq!(me.data.user.username, "ana");
        assert_eq!(me.data.user.role, Role::Admin, "the provider's groups say admin");
        assert!(me.data.user.oidc);

        let res = client
            .post(app.url("/api-keys"))
            .json(&json!({ "name": "from the portal" }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let created: ApiKeyCreated = json_as(res).await;
        let with_key = app.get_with_key("/me", &created.secret).await;
        assert_eq!(with_key.status(), 200);
        let by_key: MeResponse = json_as(with_key).await;
        assert_eq!(by_key.data.user.id, me.data.user.id);

        let events = app.events(&client).await;
        let actions: Vec<(String, Option<String>)> = events
            .data
            .iter()
            .filter(|e| e.actor.as_ref().is_some_and(|a| a.username == "ana"))
            .map(|e| (e.action.as_str().to_owned(), e.detail.clone()))
            .collect();
        assert!(
            actions.iter().any(|(a, d)| a == "user_created"
                && d.as_deref().is_some_and(|d| d.contains("from the identity provider"))),
            "{actions:?}"
        );
        assert!(
            actions.iter().any(|(a, d)| a == "login"
                && d.as_deref() == Some("through the identity provider")),
            "{actions:?}"
        );
        // Nothing secret of the flow reached the log: not the client
        // secret, not the code or the state of the callback's query.
        let log = logs().text();
        assert!(!log.contains(CLIENT_SECRET), "the client secret was logged");
        assert!(!log.contains(&created.secret), "the key was logged");
        let query = reqwest::Url::parse(&callback).unwrap();
        for (name, value) in query.query_pairs().filter(|(k, _)| k == "code" || k == "state") {
            assert!(value.len() > 20, "{name} is too short to search for");
            assert!(!log.contains(value.as_ref()), "the callback's {name} was logged");
        }
        assert!(log.contains("/api/v1/auth/oidc/callback"), "the callback was not logged at all");
        let _ = idp;
    }
}

oidc_test! {
    /// The role follows the claim at every sign-in, is recorded, and
    /// applies to the user's keys at once.
    async fn the_role_follows_the_providers_claim(app, idp) {
        let client = new_client();
        assert_eq!(sign_in(&client, &app.api, "beto", "beto-password").await.status(), 303);
        let res = client.post(app.url("/api-keys")).json(&json!({"name": "k"})).send().await.unwrap();
        let created: ApiKeyCreated = json_as(res).await;
        let role_by_key = |key: String| {
            let app = &app;
            async move {
                let me: MeResponse = json_as(app.get_with_key("/me", &key).await).await;
                me.data.user.role
            }
        };
        // Twice: a key is cached on its second lookup.
        for _ in 0..2 {
            assert_eq!(role_by_key(created.secret.clone()).await, Role::User);
        }

        idp.put_user("beto", "beto-password", json!({
            "preferred_username": "beto", "groups": ["staff", ADMINS]
        })).await;
        let again = new_client();
        assert_eq!(sign_in(&again, &app.api, "beto", "beto-password").await.status(), 303);
        let me_now: MeResponse = json_as(me(&app, &again).await).await;
        assert_eq!(me_now.data.user.role, Role::Admin);
        // The key (its answer cached a moment ago) acts as an admin now.
        assert_eq!(role_by_key(created.secret.clone()).await, Role::Admin);

        idp.put_user("beto", "beto-password", json!({ "preferred_username": "beto", "groups": [] })).await;
        let third = new_client();
        assert_eq!(sign_in(&third, &app.api, "beto", "beto-password").await.status(), 303);
        assert_eq!(role_by_key(created.secret).await, Role::User);

        let admin = app.admin().await;
        let events = app.events(&admin).await;
        let changes: Vec<String> = events
            .data
            .iter()
            .filter(|e| e.action == ActivityAction::UserUpdated)
            .filter_map(|e| e.detail.clone())
            .collect();
        assert_eq!(
            changes,
            ["role: user (from the identity provider)", "role: admin (from the identity provider)"],
            "newest first"
        );
    }
}

oidc_test! {
    /// One Llavero user per (issuer, sub): the same person again is the
    /// same user; another with a taken name gets a free one. Such users
    /// have no password to check or set.
    async fn provider_users_are_keyed_by_subject_and_have_no_password(app, idp) {
        let (carla, _) = app.user("carla", Role::User).await;
        idp.put_user("carla", "carla-password", json!({ "preferred_username": "Carla" })).await;
        let first = new_client();
        assert_eq!(sign_in(&first, &app.api, "carla", "carla-password").await.status(), 303);
        let me1: MeResponse = json_as(me(&app, &first).await).await;
        assert_eq!(me1.data.user.username, "carla-2", "carla is a local account already");
        assert_ne!(me1.data.user.id, carla.id);
        let second = new_client();
        assert_eq!(sign_in(&second, &app.api, "carla", "carla-password").await.status(), 303);
        let me2: MeResponse = json_as(me(&app, &second).await).await;
        assert_eq!(me2.data.user.id, me1.data.user.id);

        // No Llavero password: not to change, not to set, not to sign in with.
        let res = first
            .post(app.url("/me/password"))
            .json(&json!({ "current_password": "anything-at-all", "new_password": "a-new-password-1" }))
            .send()
            .await
            .unwrap();
        problem(res, 409, "no_local_password").await;
        let admin = app.admin().await;
        let res = admin
            .patch(app.url(&format!("/users/{}", me1.data.user.id)))
            .json(&json!({ "password": "a-new-password-1" }))
            .send()
            .await
            .unwrap();
        problem(res, 409, "no_local_password").await;
        let res = app.login_with(&new_client(), "carla-2", "").await;
        assert_eq!(res.status(), 422);
        let res = app.login_with(&new_client(), "carla-2", "carla-password").await;
        problem(res, 401, "credentials_invalid").await;
        // Admins see where each user comes from.
        let user: UserResponse =
            json_as(admin.get(app.url(&format!("/users/{}", me1.data.user.id))).send().await.unwrap()).await;
        assert!(user.data.oidc);
        let list = json(admin.get(app.url("/users")).send().await.unwrap()).await;
        let oidc: Vec<(&str, bool)> = list["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| (u["username"].as_str().unwrap(), u["oidc"].as_bool().unwrap()))
            .collect();
        assert!(oidc.contains(&("carla-2", true)) && oidc.contains(&("carla", false)), "{oidc:?}");
    }
}

oidc_test! {
    /// A user disabled in Llavero cannot come in through the provider.
    async fn a_disabled_user_cannot_sign_in_through_the_provider(app, idp) {
        let client = new_client();
        assert_eq!(sign_in(&client, &app.api, "beto", "beto-password").await.status(), 303);
        let me: MeResponse = json_as(me(&app, &client).await).await;
        let admin = app.admin().await;
        let res = admin
            .patch(app.url(&format!("/users/{}", me.data.user.id)))
            .json(&json!({ "disabled": true }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let again = new_client();
        let res = sign_in(&again, &app.api, "beto", "beto-password").await;
        assert!(!has_session_cookie(&res));
        problem(res, 403, "account_disabled").await;
        assert_eq!(me_status(&app, &again).await, 401);
        let _ = idp;
    }
}

async fn me_status(app: &TestApp, client: &reqwest::Client) -> u16 {
    me(app, client).await.status().as_u16()
}

/// `callback` with its parameter `name` replaced by `value` (or removed,
/// for `None`).
fn with_param(callback: &str, name: &str, value: Option<&str>) -> String {
    let mut url = reqwest::Url::parse(callback).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != name)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    {
        let mut q = url.query_pairs_mut();
        q.clear().extend_pairs(&pairs);
        if let Some(v) = value {
            q.append_pair(name, v);
        }
    }
    url.to_string()
}

#[tokio::test]
async fn a_wrong_missing_or_foreign_state_starts_no_session() {
    let idp = Provider::start(&[]).await;
    let app = app_for(Backend::Sqlite, &idp.issuer, "llavero", &[]).await;
    for (what, state) in [("a wrong state", Some("not-the-state")), ("no state", None)] {
        let client = new_client();
        let callback = authorize(&client, &app.api, "beto", "beto-password").await;
        let res = client
            .get(with_param(&callback, "state", state))
            .send()
            .await
            .unwrap();
        assert!(!has_session_cookie(&res), "{what}");
        problem(res, 400, "oidc_state_invalid").await;
        assert_eq!(me_status(&app, &client).await, 401, "{what}");
    }
    // The right callback in another browser (no flow cookie): refused.
    let victim = new_client();
    let callback = authorize(&victim, &app.api, "beto", "beto-password").await;
    let attacker = new_client();
    let res = attacker.get(&callback).send().await.unwrap();
    problem(res, 400, "oidc_state_invalid").await;
    // A browser is shown the sign-in page with the error instead.
    let res = attacker
        .get(&callback)
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"].to_str().unwrap(),
        "/login?error=oidc_state_invalid"
    );
    assert!(!has_session_cookie(&res));
    // The victim's own sign-in still works.
    let res = victim.get(&callback).send().await.unwrap();
    assert_eq!(res.status(), 303);
}

#[tokio::test]
async fn a_replayed_or_expired_code_is_refused() {
    use reqwest::cookie::CookieStore;
    let idp = Provider::start(&[]).await;
    let app = app_for(Backend::Sqlite, &idp.issuer, "llavero", &[]).await;
    // A jar the test can read: the flow cookie is kept to replay the
    // callback as one who saw both would.
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let callback = authorize(&client, &app.api, "beto", "beto-password").await;
    let flow_cookie = jar
        .cookies(&reqwest::Url::parse(&callback).unwrap())
        .expect("the flow cookie");
    let res = client.get(&callback).send().await.unwrap();
    assert_eq!(res.status(), 303, "the first use of the code signs in");
    let res = reqwest::Client::new()
        .get(&callback)
        .header("cookie", flow_cookie)
        .send()
        .await
        .unwrap();
    assert!(!has_session_cookie(&res));
    problem(res, 400, "oidc_code_rejected").await;

    // A client whose codes live one second.
    let slow = app_for(Backend::Sqlite, &idp.issuer, "llavero-slow", &[]).await;
    let client = new_client();
    let callback = authorize(&client, &slow.api, "beto", "beto-password").await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let res = client.get(&callback).send().await.unwrap();
    assert!(!has_session_cookie(&res));
    problem(res, 400, "oidc_code_rejected").await;
}

#[tokio::test]
async fn the_provider_can_refuse_and_llavero_says_so() {
    let idp = Provider::start(&[]).await;
    let app = app_for(Backend::Sqlite, &idp.issuer, "llavero", &[]).await;
    let client = new_client();
    let callback = authorize(&client, &app.api, "beto", "beto-password").await;
    let state = reqwest::Url::parse(&callback)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let denied = format!(
        "{}/auth/oidc/callback?error=access_denied&error_description=no&state={state}",
        app.api
    );
    let res = client.get(denied).send().await.unwrap();
    let body = problem(res, 400, "oidc_denied").await;
    assert!(
        body["detail"].as_str().unwrap().contains("access_denied"),
        "{body}"
    );
    // An answer naming another issuer (RFC 9207: a mix-up) is refused too,
    // however right its state and code.
    let client = new_client();
    let callback = authorize(&client, &app.api, "beto", "beto-password").await;
    assert!(
        callback.contains("iss="),
        "the provider sends iss: {callback}"
    );
    let mixed_up = with_param(&callback, "iss", Some("https://evil.example"));
    let res = client.get(mixed_up).send().await.unwrap();
    let body = problem(res, 400, "oidc_denied").await;
    assert!(
        body["detail"].as_str().unwrap().contains("another issuer"),
        "{body}"
    );
}

#[tokio::test]
async fn id_tokens_that_fail_validation_start_no_session() {
    let idp = Provider::start(&[]).await;
    // The control: the front that changes nothing signs in.
    let good = app_for(Backend::Sqlite, &idp.evil("good"), "llavero", &[]).await;
    let client = new_client();
    let res = sign_in(&client, &good.api, "beto", "beto-password").await;
    assert_eq!(res.status(), 303, "the untampered front must sign in");
    for mode in ["sig", "iss", "aud", "nonce", "expired"] {
        let app = app_for(Backend::Sqlite, &idp.evil(mode), "llavero", &[]).await;
        let client = new_client();
        let res = sign_in(&client, &app.api, "beto", "beto-password").await;
        assert!(!has_session_cookie(&res), "{mode}");
        let body = problem(res, 400, "oidc_token_invalid").await;
        eprintln!("{mode}: {}", body["detail"]);
        assert_eq!(me_status(&app, &client).await, 401, "{mode}");
    }
}

#[tokio::test]
async fn an_unreachable_or_silent_provider_is_a_503_not_a_hang() {
    // Nothing listens on this port.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let issuer = format!("http://127.0.0.1:{closed}");
    let app = app_for(Backend::Sqlite, &issuer, "llavero", &[]).await;
    let started = Instant::now();
    let res = new_client()
        .get(app.url("/auth/oidc/login"))
        .send()
        .await
        .unwrap();
    let body = problem(res, 503, "oidc_unavailable").await;
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        !body["detail"].as_str().unwrap().contains("127.0.0.1"),
        "no internals: {body}"
    );
    // The web app shows the error on its sign-in page.
    let res = new_client()
        .get(app.url("/auth/oidc/login"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login?error=oidc_unavailable");

    // A token endpoint that accepts and never answers: the timeout, then 503.
    let idp = Provider::start(&[]).await;
    let app = app_for(
        Backend::Sqlite,
        &idp.evil("hang"),
        "llavero",
        &[("LLAVERO_OIDC_TIMEOUT_SECS", "1")],
    )
    .await;
    let client = new_client();
    let callback = authorize(&client, &app.api, "beto", "beto-password").await;
    let started = Instant::now();
    let res = client.get(&callback).send().await.unwrap();
    problem(res, 503, "oidc_unavailable").await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn claims_in_the_id_token_are_read_there() {
    let idp = Provider::start(&[("OIDC_CLAIMS_IN_ID_TOKEN", "1")]).await;
    let app = app_for(Backend::Sqlite, &idp.issuer, "llavero", &[]).await;
    let client = new_client();
    assert_eq!(
        sign_in(&client, &app.api, "ana", "ana-password")
            .await
            .status(),
        303
    );
    let me: MeResponse = json_as(me(&app, &client).await).await;
    assert_eq!(
        (me.data.user.username.as_str(), me.data.user.role),
        ("ana", Role::Admin)
    );
}

#[tokio::test]
async fn info_names_the_ways_in_and_password_sign_in_can_be_off() {
    let idp = Provider::start(&[]).await;
    let both = app_for(Backend::Sqlite, &idp.issuer, "llavero", &[]).await;
    let info = json(new_client().get(both.url("/info")).send().await.unwrap()).await;
    assert_eq!(info["data"]["sign_in_methods"], json!(["password", "oidc"]));
    assert_eq!(info["data"]["oidc_name"], "Test IdP");

    let only = app_for(
        Backend::Sqlite,
        &idp.issuer,
        "llavero",
        &[("LLAVERO_LOCAL_LOGIN", "false")],
    )
    .await;
    let info = json(new_client().get(only.url("/info")).send().await.unwrap()).await;
    assert_eq!(info["data"]["sign_in_methods"], json!(["oidc"]));
    let res = only
        .login_with(&new_client(), ADMIN, &only.admin_password)
        .await;
    problem(res, 403, "local_login_disabled").await;

    // Without a provider: the password alone, and the provider's routes
    // are absent (404, not an outage).
    let plain = crate::helpers::spawn_app(Backend::Sqlite).await;
    let info = json(new_client().get(plain.url("/info")).send().await.unwrap()).await;
    assert_eq!(info["data"]["sign_in_methods"], json!(["password"]));
    assert_eq!(info["data"]["oidc_name"], Value::Null);
    let res = new_client()
        .get(plain.url("/auth/oidc/login"))
        .send()
        .await
        .unwrap();
    problem(res, 404, "not_configured").await;
    let res = new_client()
        .get(plain.url("/auth/oidc/callback?state=x&code=y"))
        .send()
        .await
        .unwrap();
    problem(res, 404, "not_configured").await;
}

#[tokio::test]
async fn signing_out_ends_the_provider_session_too() {
    let idp = Provider::start(&[]).await;
    let app = app_for(Backend::Sqlite, &idp.issuer, "llavero", &[]).await;
    let client = new_client();
    assert_eq!(
        sign_in(&client, &app.api, "beto", "beto-password")
            .await
            .status(),
        303
    );
    let logout = app.url("/auth/oidc/logout");
    // A GET no longer signs anyone out: a link or an image cannot.
    let res = client.get(&logout).send().await.unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(me_status(&app, &client).await, 200);
    let res = client.post(&logout).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let next = reqwest::Url::parse(&location(&logout, &res)).unwrap();
    assert!(
        next.as_str()
            .starts_with(&format!("{}/session/end", idp.issuer)),
        "{next}"
    );
    let query: Vec<(String, String)> = next
        .query_pairs()
        .map(|(k, v)| (k.into(), v.into()))
        .collect();
    assert!(
        query.contains(&("client_id".into(), "llavero".into())),
        "{query:?}"
    );
    let back = app.api.replace("/api/v1", "/login");
    assert!(
        query.contains(&("post_logout_redirect_uri".into(), back)),
        "{query:?}"
    );
    assert_eq!(
        me_status(&app, &client).await,
        401,
        "the Llavero session ended"
    );
    // The provider accepts the request (it asks the user to confirm).
    let res = client.get(next.as_str()).send().await.unwrap();
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );
}

oidc_test! {
    /// Several first sign-ins of one person at once make one user: the
    /// losers of the race find what the winner made.
    async fn simultaneous_first_sign_ins_make_one_user(app, idp) {
        let clients: Vec<reqwest::Client> = (0..6).map(|_| new_client()).collect();
        let mut callbacks = Vec::new();
        for client in &clients {
            callbacks.push(authorize(client, &app.api, "beto", "beto-password").await);
        }
        let answers = futures::future::join_all(
            clients.iter().zip(&callbacks).map(|(c, url)| c.get(url).send()),
        )
        .await;
        for answer in answers {
            let answer = answer.unwrap();
            assert_eq!(answer.status(), 303, "{}", answer.text().await.unwrap_or_default());
        }
        let mut ids = std::collections::HashSet::new();
        for client in &clients {
            let me: MeResponse = json_as(me(&app, client).await).await;
            ids.insert(me.data.user.id);
        }
        assert_eq!(ids.len(), 1, "one person, one user");
        let admin = app.admin().await;
        let list = json(admin.get(app.url("/users")).send().await.unwrap()).await;
        let names: Vec<&str> = list["data"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
        assert_eq!(names.iter().filter(|n| n.starts_with("beto")).count(), 1, "{names:?}");
        let _ = idp;
    }
}
