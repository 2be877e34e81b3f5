//! Webhooks: every change is delivered, signed (verified by the official
//! Standard Webhooks library in the receiver), from the outbox — after the
//! receiver was down, after `kill -9`, and once per event across replicas.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use llavero_types::Role;
use reqwest::Client;
use serde_json::{json, Value};

use crate::api_test;
use crate::helpers::{
    json, metric_labelled, problem, spawn_app_with, spawn_replica, Backend, TestApp,
};
use crate::receiver::{free_port, of_key, Receiver};

/// Adds an endpoint for `url`; returns its id and secret.
pub async fn add_webhook(app: &TestApp, admin: &Client, body: Value) -> (String, String) {
    let res = admin
        .post(app.url("/webhooks"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        201,
        "{}",
        res.text().await.unwrap_or_default()
    );
    assert!(res.headers().get("location").is_some());
    let created = json(res).await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    (created["data"]["id"].as_str().unwrap().to_owned(), secret)
}

async fn deliveries(app: &TestApp, admin: &Client, id: &str) -> Vec<Value> {
    let res = admin
        .get(app.url(&format!("/webhooks/{id}/deliveries?limit=200")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    json(res).await["data"].as_array().unwrap().clone()
}

fn types(got: &[Value]) -> Vec<String> {
    got.iter()
        .map(|v| v["body"]["type"].as_str().unwrap_or_default().to_owned())
        .collect()
}

api_test! {
    async fn every_change_is_delivered_signed(app) {
        let admin = app.admin().await;
        let receiver = Receiver::start(0, 0, None);
        let (hook, secret) = add_webhook(&app, &admin, json!({ "url": receiver.url() })).await;
        receiver.set_secret(&secret).await;

        let (user, client) = app.user("webhooked", Role::User).await;
        let (key, key_secret) = app.create_key(&client, "ci").await;
        let k = key.id.to_string();
        let res = client.patch(app.url(&format!("/api-keys/{k}"))).json(&json!({ "name": "ci-2" })).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(app.verify_code_with(json!({ "key": key_secret, "client_ip": "203.0.113.9" })).await, "VALID");
        let res = client.post(app.url(&format!("/api-keys/{k}/roll"))).json(&json!({ "grace_seconds": 0 })).send().await.unwrap();
        assert_eq!(res.status(), 201);
        let rolled = json(res).await["secret"].as_str().unwrap().to_owned();
        let res = client.delete(app.url(&format!("/api-keys/{k}"))).send().await.unwrap();
        assert_eq!(res.status(), 204);
        let res = client
            .post(app.url("/me/password"))
            .json(&json!({ "current_password": "pw-of-webhooked-123", "new_password": "a-new-password-for-hooks" }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 204);
        let u = user.id.to_string();
        for disabled in [true, false] {
            let res = admin.patch(app.url(&format!("/users/{u}"))).json(&json!({ "disabled": disabled })).send().await.unwrap();
            assert_eq!(res.status(), 200);
        }

        let got = receiver
            .wait_for(Duration::from_secs(15), |got| got.len() >= 9)
            .await;
        let kinds = types(&got);
        for kind in ["user.created", "key.created", "key.updated", "key.new_address", "key.rolled", "key.revoked", "user.disabled"] {
            assert_eq!(kinds.iter().filter(|k| *k == kind).count(), 1, "{kind} once in {kinds:?}");
        }
        let updates: Vec<&Value> = got.iter().filter(|v| v["body"]["type"] == "user.updated").collect();
        assert_eq!(updates.len(), 2, "own password, then re-enabled: {kinds:?}");
        assert_eq!(updates[0]["body"]["data"]["password_changed"], true);
        assert_eq!(updates[1]["body"]["data"]["disabled"], false);
        assert_eq!(updates[1]["body"]["data"]["actor_id"], got.iter().find(|v| v["body"]["type"] == "user.created").unwrap()["body"]["data"]["actor_id"]);
        // Events about one key arrive in the order they happened.
        let key_order: Vec<&str> = got
            .iter()
            .filter(|v| v["body"]["data"]["api_key_id"] == k.as_str() && v["body"]["type"] != "key.new_address")
            .map(|v| v["body"]["type"].as_str().unwrap())
            .collect();
        assert_eq!(key_order, ["key.created", "key.updated", "key.rolled", "key.revoked"]);
        let revoked = of_key(&got, "key.revoked", &k)[0];
        assert_eq!(revoked["body"]["data"]["user_id"], u.as_str());
        assert_eq!(revoked["body"]["data"]["reason"], "revoked");
        assert_eq!(of_key(&got, "key.new_address", &k)[0]["body"]["data"]["ip"], "203.0.113.9");
        assert_eq!(of_key(&got, "key.updated", &k)[0]["body"]["data"]["changed"], json!(["name"]));
        for v in &got {
            let id = v["id"].as_str().unwrap();
            assert!(id.starts_with("msg_"), "{id}");
            assert!(v["body"]["timestamp"].is_string());
            // No payload carries a secret.
            let text = v.to_string();
            for s in [key_secret.as_str(), rolled.as_str(), secret.as_str(), app.admin_password.as_str(), "a-new-password-for-hooks"] {
                assert!(!text.contains(s), "a payload carries a secret: {text}");
            }
        }
        let listed = deliveries(&app, &admin, &hook).await;
        assert_eq!(listed.len(), 9);
        assert!(listed.iter().all(|d| d["status"] == "delivered" && d["response_status"] == 204 && d["attempts"] == 1), "{listed:#?}");

        // A test event, on demand.
        let res = admin.post(app.url(&format!("/webhooks/{hook}/test"))).send().await.unwrap();
        assert_eq!(res.status(), 202);
        let queued = json(res).await;
        assert_eq!(queued["data"]["event_type"], "webhook.test");
        let got = receiver.wait_for(Duration::from_secs(10), |got| types(got).contains(&"webhook.test".to_owned())).await;
        let test = got.iter().find(|v| v["body"]["type"] == "webhook.test").unwrap();
        assert_eq!(test["body"]["data"]["webhook_id"], hook.as_str());
        assert_eq!(test["id"], format!("msg_{}", queued["data"]["event_id"].as_str().unwrap().replace('-', "")));
    }
}

/// Without the operator's settings, a webhook reaches only `https` on
/// globally routable addresses; the refusal names the reason, not the
/// address.
async fn by_default_webhooks_reach_only_public_https(backend: Backend) {
    let app = spawn_app_with(
        backend,
        &[
            ("LLAVERO_WEBHOOK_ALLOW_NETWORKS", ""),
            ("LLAVERO_WEBHOOK_ALLOW_HTTP", ""),
        ],
    )
    .await;
    let admin = app.admin().await;
    for (url, reason) in [
        ("http://hooks.example.com/in", "https"),
        ("http://127.0.0.1:9000/in", "https"),
        ("https://127.0.0.1:9000/in", "loopback"),
        ("https://127.1.2.3/in", "loopback"),
        ("https://localhost:9000/in", "loopback"),
        ("https://[::1]/in", "loopback"),
        ("https://10.1.2.3/in", "private"),
        ("https://172.16.0.1/in", "private"),
        ("https://192.168.0.1/in", "private"),
        ("https://100.64.0.1/in", "CGNAT"),
        ("https://[fc00::1]/in", "unique-local"),
        ("https://[fd12::1]/in", "unique-local"),
        ("https://169.254.169.254/in", "link-local"),
        ("https://[fe80::1]/in", "link-local"),
        ("https://[64:ff9b::a00:1]/in", "NAT64"),
        ("https://[::ffff:7f00:1]/in", "IPv4-mapped"),
        ("https://[::a00:1]/in", "IPv4-compatible"),
        ("https://0.0.0.0/in", "unspecified"),
    ] {
        let res = admin
            .post(app.url("/webhooks"))
            .json(&json!({ "url": url }))
            .send()
            .await
            .unwrap();
        let body = problem(res, 422, "url_invalid").await;
        let said = body["errors"].to_string();
        assert!(said.contains(reason), "{url}: {said}");
        let parsed = reqwest::Url::parse(url).unwrap();
        let host = parsed.host_str().unwrap().trim_matches(['[', ']']);
        if host != "localhost" {
            assert!(
                !said.contains(host),
                "{url}: the reason names the address: {said}"
            );
        }
    }
    let res = admin.get(app.url("/webhooks")).send().await.unwrap();
    assert_eq!(json(res).await["data"], json!([]), "nothing was created");
    add_webhook(
        &app,
        &admin,
        json!({ "url": "https://hooks.example.com/llavero" }),
    )
    .await;
    add_webhook(&app, &admin, json!({ "url": "https://8.8.8.8/llavero" })).await;
}

#[tokio::test]
async fn by_default_webhooks_reach_only_public_https_sqlite() {
    by_default_webhooks_reach_only_public_https(Backend::Sqlite).await;
}

#[tokio::test]
async fn by_default_webhooks_reach_only_public_https_postgres() {
    by_default_webhooks_reach_only_public_https(Backend::Postgres).await;
}

/// An endpoint accepted by one replica's reach but not by the sending
/// replica's (the operator narrowed it; a name now resolves elsewhere)
/// fails with "address not allowed", never the address, and the receiver
/// hears nothing.
async fn an_address_refused_at_delivery_is_recorded_without_the_address(backend: Backend) {
    let quiet = spawn_app_with(backend, &[("LLAVERO_WEBHOOK_SENDER", "false")]).await;
    let admin = quiet.admin().await;
    let receiver = Receiver::start(0, 0, None);
    let url = receiver.url().replace("127.0.0.1", "localhost");
    let (hook, secret) = add_webhook(&quiet, &admin, json!({ "url": url })).await;
    receiver.set_secret(&secret).await;
    let _sender = spawn_replica(&quiet, &[("LLAVERO_WEBHOOK_ALLOW_NETWORKS", "")]).await;
    quiet.create_key(&admin, "refused at delivery").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let tried = loop {
        let got = deliveries(&quiet, &admin, &hook).await;
        if let Some(d) = got.first().filter(|d| d["attempts"].as_u64() >= Some(1)) {
            break d.clone();
        }
        assert!(std::time::Instant::now() < deadline, "no attempt: {got:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(tried["error"], "address not allowed", "{tried}");
    assert!(!tried.to_string().contains("127.0.0.1"), "{tried}");
    assert!(receiver.verified().is_empty());
}

#[tokio::test]
async fn an_address_refused_at_delivery_is_recorded_without_the_address_sqlite() {
    an_address_refused_at_delivery_is_recorded_without_the_address(Backend::Sqlite).await;
}

#[tokio::test]
async fn an_address_refused_at_delivery_is_recorded_without_the_address_postgres() {
    an_address_refused_at_delivery_is_recorded_without_the_address(Backend::Postgres).await;
}

api_test! {
    async fn endpoints_are_managed_and_bad_input_is_refused(app) {
        let admin = app.admin().await;
        for (body, code) in [
            (json!({ "url": "http://10.0.0.1/in" }), "url_invalid"),
            (json!({ "url": "https://169.254.169.254/latest" }), "url_invalid"),
            (json!({ "url": "http://[fe80::1]/" }), "url_invalid"),
            (json!({ "url": "https://user:pw@hooks.example.com/" }), "url_invalid"),
            (json!({ "url": "ftp://hooks.example.com/" }), "url_invalid"),
            (json!({ "url": "not a url" }), "url_invalid"),
            (json!({ "url": "https://hooks.example.com/", "events": ["key.nope"] }), "events_invalid"),
            (json!({ "url": "https://hooks.example.com/", "events": [] }), "events_invalid"),
            (json!({ "url": "https://hooks.example.com/", "events": ["webhook.test"] }), "events_invalid"),
        ] {
            let res = admin.post(app.url("/webhooks")).json(&body).send().await.unwrap();
            problem(res, 422, code).await;
        }
        let res = admin.post(app.url("/webhooks")).json(&json!({ "url": "https://a.example/", "secret": "x" })).send().await.unwrap();
        assert_eq!(res.status(), 422);
        let res = admin.get(app.url("/webhooks")).send().await.unwrap();
        assert_eq!(json(res).await["data"], json!([]), "nothing was created");

        let (_, plain) = app.user("plain", Role::User).await;
        let res = plain.get(app.url("/webhooks")).send().await.unwrap();
        problem(res, 403, "admin_required").await;
        let res = plain.post(app.url("/webhooks")).json(&json!({ "url": "https://a.example/" })).send().await.unwrap();
        problem(res, 403, "admin_required").await;

        // Only the subscribed events; nothing while disabled.
        let receiver = Receiver::start(0, 0, None);
        let (hook, secret) = add_webhook(&app, &admin, json!({ "url": receiver.url(), "events": ["key.revoked"] })).await;
        receiver.set_secret(&secret).await;
        let (key, _) = app.create_key(&admin, "filtered").await;
        let res = admin.delete(app.url(&format!("/api-keys/{}", key.id))).send().await.unwrap();
        assert_eq!(res.status(), 204);
        let got = receiver.wait_for(Duration::from_secs(10), |g| !g.is_empty()).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(types(&receiver.verified()), ["key.revoked"], "{got:?}");

        let res = admin.patch(app.url(&format!("/webhooks/{hook}"))).json(&json!({})).send().await.unwrap();
        problem(res, 422, "nothing_to_change").await;
        let res = admin.patch(app.url(&format!("/webhooks/{hook}"))).json(&json!({ "url": "http://[::1]/" })).send().await.unwrap();
        problem(res, 422, "url_invalid").await;
        let res = admin.patch(app.url(&format!("/webhooks/{hook}"))).json(&json!({ "enabled": false, "events": null })).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let updated = json(res).await;
        assert_eq!(updated["data"]["enabled"], false);
        assert_eq!(updated["data"]["events"], Value::Null);
        let (key, _) = app.create_key(&admin, "while disabled").await;
        let res = admin.delete(app.url(&format!("/api-keys/{}", key.id))).send().await.unwrap();
        assert_eq!(res.status(), 204);
        assert_eq!(deliveries(&app, &admin, &hook).await.len(), 1, "a disabled endpoint gets nothing");

        // Disabling ends what was waiting (here: for a receiver that is
        // down) instead of sending it stale on re-enabling.
        let (down, _) = add_webhook(&app, &admin, json!({ "url": format!("http://127.0.0.1:{}/", free_port()), "events": ["key.created"] })).await;
        app.create_key(&admin, "for a dead receiver").await;
        let res = admin.patch(app.url(&format!("/webhooks/{down}"))).json(&json!({ "enabled": false })).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let ended = deliveries(&app, &admin, &down).await;
        assert_eq!(ended.len(), 1);
        assert_eq!(ended[0]["status"], "failed");
        assert_eq!(ended[0]["error"], "the endpoint was disabled");

        let activity = app.events(&admin).await;
        let created = activity.data.iter().rev().find(|e| e.action.as_str() == "webhook_created").unwrap();
        assert_eq!(created.detail.as_deref(), Some("host: 127.0.0.1, events: key.revoked"));

        let res = admin.delete(app.url(&format!("/webhooks/{hook}"))).send().await.unwrap();
        assert_eq!(res.status(), 204);
        for path in [format!("/webhooks/{hook}"), format!("/webhooks/{hook}/deliveries")] {
            let res = admin.get(app.url(&path)).send().await.unwrap();
            problem(res, 404, "not_found").await;
        }
        let res = admin.delete(app.url(&format!("/webhooks/{hook}"))).send().await.unwrap();
        problem(res, 404, "not_found").await;
    }
}

api_test! {
    async fn a_receiver_that_was_down_gets_the_event_on_retry(app) {
        let admin = app.admin().await;
        let port = free_port();
        let url = format!("http://127.0.0.1:{port}/hooks");
        let (hook, secret) = add_webhook(&app, &admin, json!({ "url": url })).await;
        let (key, _) = app.create_key(&admin, "while down").await;
        // The first attempt finds nobody listening.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let first = loop {
            let listed = deliveries(&app, &admin, &hook).await;
            if listed.first().is_some_and(|d| d["attempts"] == 1 && d["error"].is_string()) {
                break listed[0].clone();
            }
            assert!(std::time::Instant::now() < deadline, "no failed attempt: {listed:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert_eq!(first["status"], "pending");
        assert!(first["next_attempt_at"].is_string());
        assert!(!first["error"].as_str().unwrap().contains("hooks"), "errors leave the URL out");
        // Up, then the retry (due within 10 s) arrives.
        let receiver = Receiver::start(port, 0, Some(&secret));
        let got = receiver.wait_for(Duration::from_secs(15), |g| !g.is_empty()).await;
        assert_eq!(of_key(&got, "key.created", &key.id.to_string()).len(), 1);
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            let d = deliveries(&app, &admin, &hook).await[0].clone();
            if d["status"] == "delivered" {
                assert_eq!(d["attempts"], 2);
                assert_eq!(d["id"], first["id"]);
                let base = app.api.replace("/api/v1", "");
                assert_eq!(metric_labelled(&base, "llavero_webhook_attempts_total", "outcome=\"retry\"").await, 1);
                assert_eq!(metric_labelled(&base, "llavero_webhook_attempts_total", "outcome=\"delivered\"").await, 1);
                break;
            }
            assert!(std::time::Instant::now() < deadline, "{d:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

api_test! {
    async fn two_replicas_deliver_each_event_once(app) {
        let replica = spawn_replica(&app, &[]).await;
        let admin = app.admin().await;
        let admin2 = replica.admin().await;
        // The first two deliveries are answered 500: retried, same id.
        let receiver = Receiver::start(0, 2, None);
        let (_, secret) = add_webhook(&app, &admin, json!({ "url": receiver.url(), "events": ["key.created"] })).await;
        receiver.set_secret(&secret).await;
        let mut ids = HashSet::new();
        for i in 0..12 {
            let (server, client) = if i % 2 == 0 { (&app, &admin) } else { (&replica, &admin2) };
            ids.insert(server.create_key(client, &format!("k{i}")).await.0.id.to_string());
        }
        receiver
            .wait_for(Duration::from_secs(30), |g| g.iter().filter(|v| v["answered"] == 204).count() >= 12)
            .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let got = receiver.verified();
        let mut answered: HashMap<String, Vec<u64>> = HashMap::new();
        for v in &got {
            answered.entry(v["id"].as_str().unwrap().to_owned()).or_default().push(v["answered"].as_u64().unwrap());
        }
        assert_eq!(answered.len(), 12, "{got:#?}");
        for (id, answers) in &answered {
            let ok = answers.iter().filter(|a| **a == 204).count();
            assert_eq!(ok, 1, "{id} accepted once: {answers:?}");
            assert!(answers.len() == 1 || answers[..answers.len() - 1].iter().all(|a| *a == 500), "a duplicate only after a failure: {answers:?}");
        }
        assert_eq!(got.len(), 14, "12 events, 2 retried");
        let keys: HashSet<String> = got.iter().map(|v| v["body"]["data"]["api_key_id"].as_str().unwrap().to_owned()).collect();
        assert_eq!(keys, ids);
    }
}

/// `key.expiring` (within 7 days) then `key.expired`, each once, from a
/// sweep every second.
async fn expiry_events_are_sent_once(backend: Backend) {
    let app = spawn_app_with(backend, &[("LLAVERO_HOUSEKEEPING_SECS", "1")]).await;
    let admin = app.admin().await;
    let receiver = Receiver::start(0, 0, None);
    let (_, secret) = add_webhook(
        &app,
        &admin,
        json!({ "url": receiver.url(), "events": ["key.expiring", "key.expired"] }),
    )
    .await;
    receiver.set_secret(&secret).await;
    let expires = chrono::Utc::now() + chrono::Duration::seconds(3);
    let (key, _) = app
        .create_key_with(&admin, json!({ "name": "short", "expires_at": expires }))
        .await;
    let (later, _) = app.create_key_with(&admin, json!({ "name": "later", "expires_at": chrono::Utc::now() + chrono::Duration::days(30) })).await;
    let got = receiver
        .wait_for(Duration::from_secs(15), |g| {
            types(g).contains(&"key.expired".to_owned())
        })
        .await;
    // Three more sweeps: nothing is sent twice.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let got_after = receiver.verified();
    assert_eq!(got.len(), got_after.len(), "{got_after:#?}");
    let k = key.id.to_string();
    assert_eq!(types(&got_after), ["key.expiring", "key.expired"]);
    assert!(got_after
        .iter()
        .all(|v| v["body"]["data"]["api_key_id"] == k.as_str()));
    assert!(of_key(&got_after, "key.expiring", &later.id.to_string()).is_empty());
}

#[tokio::test]
async fn expiry_events_are_sent_once_sqlite() {
    expiry_events_are_sent_once(Backend::Sqlite).await;
}

#[tokio::test]
async fn expiry_events_are_sent_once_postgres() {
    expiry_events_are_sent_once(Backend::Postgres).await;
}

api_test! {
    async fn a_keys_events_wait_for_its_earlier_ones_retry(app) {
        let admin = app.admin().await;
        // The first delivery (key.created) is answered 500 and retried 5 s
        // later; the key's later events must not overtake it.
        let receiver = Receiver::start(0, 1, None);
        let (_, secret) = add_webhook(&app, &admin, json!({ "url": receiver.url() })).await;
        receiver.set_secret(&secret).await;
        let (key, _) = app.create_key(&admin, "ordered").await;
        receiver.wait_for(Duration::from_secs(5), |g| !g.is_empty()).await;
        let k = key.id.to_string();
        let res = admin.patch(app.url(&format!("/api-keys/{k}"))).json(&json!({ "name": "ordered-2" })).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let res = admin.delete(app.url(&format!("/api-keys/{k}"))).send().await.unwrap();
        assert_eq!(res.status(), 204);
        let got = receiver
            .wait_for(Duration::from_secs(20), |g| g.iter().filter(|v| v["answered"] == 204).count() >= 3)
            .await;
        let seen: Vec<(String, u64)> = got
            .iter()
            .map(|v| (v["body"]["type"].as_str().unwrap().to_owned(), v["answered"].as_u64().unwrap()))
            .collect();
        assert_eq!(
            seen,
            [
                ("key.created".to_owned(), 500),
                ("key.created".to_owned(), 204),
                ("key.updated".to_owned(), 204),
                ("key.revoked".to_owned(), 204),
            ]
        );
        assert_eq!(got[0]["id"], got[1]["id"], "a retry keeps its webhook-id");
    }
}

/// An endpoint that never answers: the attempt gives up after 10 s and the
/// delivery is tried again (the timeout does not depend on the backend).
#[tokio::test]
async fn an_attempt_that_hangs_times_out_and_is_retried() {
    let app = spawn_app_with(Backend::Sqlite, &[]).await;
    let admin = app.admin().await;
    let receiver = Receiver::start_with(0, &["--hang-first", "1"], None);
    let (hook, secret) = add_webhook(&app, &admin, json!({ "url": receiver.url() })).await;
    receiver.set_secret(&secret).await;
    let started = std::time::Instant::now();
    let (key, _) = app.create_key(&admin, "hung").await;
    let got = receiver
        .wait_for(Duration::from_secs(30), |g| {
            g.iter().any(|v| v["answered"] == 204)
        })
        .await;
    let answers: Vec<&Value> = got.iter().map(|v| &v["answered"]).collect();
    assert_eq!(answers, [&json!("hung"), &json!(204)]);
    assert_eq!(got[0]["id"], got[1]["id"]);
    assert_eq!(of_key(&got, "key.created", &key.id.to_string()).len(), 2);
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(10),
        "gave up after {waited:?}, before the 10 s timeout"
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let d = deliveries(&app, &admin, &hook).await[0].clone();
        if d["status"] == "delivered" {
            assert_eq!(d["attempts"], 2);
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{d:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
