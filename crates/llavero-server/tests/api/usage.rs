//! A key's use: daily counts, addresses and refusals through every path a
//! key is presented on (direct calls, `/verify`, forward-auth), the
//! `key_new_address` event, who may read it, forgotten keys and the policy
//! that revokes them.

use std::time::{Duration, Instant};

use llavero_types::{KeyUsage, Role};
use reqwest::Client;
use serde_json::json;

use crate::helpers::{json, problem, spawn_app_with, Backend, TestApp};

/// `client`'s view of `path` once `done` holds for it; fails after 5 s.
async fn usage_until(
    app: &TestApp,
    client: &Client,
    path: &str,
    done: impl Fn(&KeyUsage) -> bool,
) -> KeyUsage {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let res = client
            .get(app.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 200, "GET {path}");
        let usage: KeyUsage = serde_json::from_value(json(res).await["data"].clone())
            .unwrap_or_else(|e| panic!("{e}"));
        if done(&usage) {
            return usage;
        }
        assert!(
            Instant::now() < deadline,
            "usage never got there: {usage:?}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// `GET path` with `secret` in `MC-Api-Key`, from `ip` through the trusted
/// proxy when given; its status.
async fn call(app: &TestApp, path: &str, secret: &str, ip: Option<&str>) -> u16 {
    let mut req = Client::new()
        .get(app.url(path))
        .header("MC-Api-Key", secret);
    if let Some(ip) = ip {
        req = req.header("X-Forwarded-For", ip);
    }
    req.send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .status()
        .as_u16()
}

/// A program uses one key from three addresses, through each path a key
/// can be presented on; its owner sees today's count, the three addresses
/// and a `key_new_address` event for each.
async fn three_addresses(backend: Backend) {
    let app = spawn_app_with(backend, &[("LLAVERO_TRUSTED_PROXIES", "127.0.0.1")]).await;
    let (owner, client) = app.user("uma", Role::User).await;
    let (key, secret) = app.create_key(&client, "facturacion").await;
    // Direct calls, twice, from 203.0.113.1 (through a trusted proxy).
    for _ in 0..2 {
        assert_eq!(call(&app, "/me", &secret, Some("203.0.113.1")).await, 200);
    }
    // A gateway's /verify, for a client at 2001:db8::2.
    assert_eq!(
        app.verify_code_with(json!({ "key": secret, "client_ip": "2001:db8::2" }))
            .await,
        "VALID"
    );
    // A gateway's forward-auth, for a client at 198.51.100.3.
    assert_eq!(
        call(
            &app,
            "/forward-auth/v1/servers",
            &secret,
            Some("198.51.100.3")
        )
        .await,
        200
    );

    let path = format!("/api-keys/{}/usage", key.id);
    let usage = usage_until(&app, &client, &path, |u| {
        u.days.first().is_some_and(|d| d.uses == 4) && u.addresses.len() == 3
    })
    .await;
    assert_eq!(usage.days.len(), 1, "{usage:?}");
    assert_eq!(usage.days[0].date, chrono::Utc::now().date_naive());
    assert!(usage.days[0].refused.is_empty());
    let count = |ip: &str| usage.addresses.iter().find(|a| a.ip == ip).map(|a| a.uses);
    assert_eq!(count("203.0.113.1"), Some(2));
    assert_eq!(count("2001:db8::2"), Some(1));
    assert_eq!(count("198.51.100.3"), Some(1));
    // Most recently seen first.
    assert_eq!(usage.addresses[0].ip, "198.51.100.3");
    for a in &usage.addresses {
        assert!(a.first_seen <= a.last_seen);
    }

    let news: Vec<_> = app
        .events(&client)
        .await
        .data
        .into_iter()
        .filter(|e| e.action.as_str() == "key_new_address")
        .collect();
    let mut ips: Vec<_> = news.iter().filter_map(|e| e.ip.clone()).collect();
    ips.sort();
    assert_eq!(
        ips,
        ["198.51.100.3", "2001:db8::2", "203.0.113.1"],
        "{news:?}"
    );
    for e in &news {
        assert_eq!(e.actor.as_ref().map(|a| a.id), Some(owner.id));
        assert_eq!(e.api_key_id, Some(key.id));
        assert_eq!(e.target_id, Some(key.id));
        assert_eq!(e.detail.as_deref(), Some("name: facturacion"));
    }

    // The same addresses again: counted, but no new event.
    assert_eq!(call(&app, "/me", &secret, Some("203.0.113.1")).await, 200);
    usage_until(&app, &client, &path, |u| u.days[0].uses == 5).await;
    let again = app
        .events(&client)
        .await
        .data
        .into_iter()
        .filter(|e| e.action.as_str() == "key_new_address")
        .count();
    assert_eq!(again, 3);

    // Someone keeps trying it after its revocation: the owner sees it.
    assert_eq!(
        client
            .delete(app.url(&format!("/api-keys/{}", key.id)))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .status(),
        204
    );
    for _ in 0..2 {
        assert_eq!(
            app.verify_code_with(json!({ "key": secret, "client_ip": "192.0.2.66" }))
                .await,
            "REVOKED"
        );
    }
    assert_eq!(call(&app, "/me", &secret, None).await, 401);
    let usage = usage_until(&app, &client, &path, |u| {
        u.days[0].refused.get("REVOKED") == Some(&3)
    })
    .await;
    assert_eq!(usage.days[0].uses, 5);
    assert_eq!(
        usage.addresses.len(),
        3,
        "a refused presentation adds no address"
    );
}

#[tokio::test]
async fn a_keys_use_from_three_addresses_is_counted_and_announced_sqlite() {
    three_addresses(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_keys_use_from_three_addresses_is_counted_and_announced_postgres() {
    three_addresses(Backend::Postgres).await;
}

crate::api_test! {
    async fn refusals_of_a_known_key_are_counted_by_reason(app) {
        let admin = app.admin().await;
        let (key, secret) = app.create_key_with(&admin, json!({ "name": "narrow", "scopes": ["compute:read"], "allowed_cidrs": ["203.0.113.0/24"] })).await;
        assert_eq!(app.verify_code_with(json!({ "key": secret, "client_ip": "198.51.100.1" })).await, "IP_NOT_ALLOWED");
        assert_eq!(app.verify_code_with(json!({ "key": secret, "client_ip": "203.0.113.9", "required_scope": "dns:edit" })).await, "SCOPE_MISSING");
        assert_eq!(app.verify_code_with(json!({ "key": secret, "client_ip": "203.0.113.9", "required_scope": "compute:read" })).await, "VALID");
        // An unknown key is nobody's: counted nowhere.
        assert_eq!(app.verify_code("mco_0000000000000000000000000000004I186y").await, "NOT_FOUND");
        let usage = usage_until(&app, &admin, &format!("/api-keys/{}/usage", key.id), |u| u.days.first().is_some_and(|d| d.uses == 1 && d.refused.len() == 2)).await;
        assert_eq!(usage.days[0].refused.get("IP_NOT_ALLOWED"), Some(&1));
        assert_eq!(usage.days[0].refused.get("SCOPE_MISSING"), Some(&1));
        assert_eq!(usage.addresses.len(), 1);
        assert_eq!(usage.addresses[0].ip, "203.0.113.9");
    }
}

crate::api_test! {
    async fn only_the_owner_and_admins_read_a_keys_use(app) {
        let (owner, client) = app.user("ona", Role::User).await;
        let (_, other) = app.user("otto", Role::User).await;
        let (key, secret) = app.create_key(&client, "mine").await;
        let own = format!("/api-keys/{}/usage", key.id);
        let by_admin = format!("/users/{}/api-keys/{}/usage", owner.id, key.id);
        // Never used: empty, not missing.
        let res = client.get(app.url(&own)).send().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 200);
        assert_eq!(json(res).await, json!({ "data": { "days": [], "addresses": [] } }));
        // The key itself may read its own use (the same owner).
        assert_eq!(app.get_with_key(&own, &secret).await.status(), 200);
        problem(other.get(app.url(&own)).send().await.unwrap_or_else(|e| panic!("{e}")), 404, "not_found").await;
        problem(other.get(app.url(&by_admin)).send().await.unwrap_or_else(|e| panic!("{e}")), 403, "admin_required").await;
        problem(Client::new().get(app.url(&own)).send().await.unwrap_or_else(|e| panic!("{e}")), 401, "authentication_required").await;
        let admin = app.admin().await;
        problem(admin.get(app.url(&own)).send().await.unwrap_or_else(|e| panic!("{e}")), 404, "not_found").await;
        let res = admin.get(app.url(&by_admin)).send().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 200);
        let wrong_owner = format!("/users/{}/api-keys/{}/usage", uuid::Uuid::now_v7(), key.id);
        problem(admin.get(app.url(&wrong_owner)).send().await.unwrap_or_else(|e| panic!("{e}")), 404, "not_found").await;
        problem(admin.get(app.url("/api-keys/not-a-uuid/usage")).send().await.unwrap_or_else(|e| panic!("{e}")), 400, "path_malformed").await;
    }
}

/// Sets `key`'s creation and last use `created_days` and `used_days` ago.
async fn age(app: &TestApp, key: uuid::Uuid, created_days: i64, used_days: Option<i64>) {
    let ago = |d: i64| (chrono::Utc::now() - chrono::Duration::days(d)).to_rfc3339();
    let used = used_days.map_or("NULL".to_owned(), |d| format!("'{}'", ago(d)));
    app.execute_sql(&format!(
        "UPDATE api_keys SET created_at = '{}', last_used_at = {used} WHERE id = {}",
        ago(created_days),
        app.id_sql(key)
    ))
    .await;
}

crate::api_test! {
    async fn keys_unused_for_ninety_days_are_marked_forgotten(app) {
        let (_, client) = app.user("flor", Role::User).await;
        let (never, _) = app.create_key(&client, "never-used").await;
        let (stale, _) = app.create_key(&client, "stale").await;
        let (recent, _) = app.create_key(&client, "recent").await;
        let (fresh, _) = app.create_key(&client, "fresh").await;
        age(&app, never.id, 100, None).await;
        age(&app, stale.id, 200, Some(91)).await;
        age(&app, recent.id, 200, Some(89)).await;
        let keys = app.list_keys(&client).await;
        let forgotten = |id| keys.iter().find(|k| k.id == id).map(|k| k.forgotten);
        assert_eq!(forgotten(never.id), Some(true));
        assert_eq!(forgotten(stale.id), Some(true));
        assert_eq!(forgotten(recent.id), Some(false));
        assert_eq!(forgotten(fresh.id), Some(false));
    }
}

/// With `LLAVERO_REVOKE_UNUSED_AFTER_DAYS=30`, two replicas sweeping the
/// same database every second revoke each unused key once, with one event.
#[tokio::test]
async fn the_unused_key_policy_revokes_each_forgotten_key_once() {
    let settings = [
        ("LLAVERO_REVOKE_UNUSED_AFTER_DAYS", "30"),
        ("LLAVERO_HOUSEKEEPING_SECS", "1"),
    ];
    for backend in [Backend::Sqlite, Backend::Postgres] {
        // The first replica starts without the policy: nothing is revoked yet.
        let app = spawn_app_with(backend, &[("LLAVERO_HOUSEKEEPING_SECS", "1")]).await;
        let (_, client) = app.user("gil", Role::User).await;
        let (never, never_secret) = app.create_key(&client, "never-used").await;
        let (stale, _) = app.create_key(&client, "stale").await;
        let (used, used_secret) = app.create_key(&client, "used").await;
        let (_, fresh_secret) = app.create_key(&client, "fresh").await;
        age(&app, never.id, 31, None).await;
        age(&app, stale.id, 100, Some(31)).await;
        age(&app, used.id, 100, Some(29)).await;
        let first = crate::helpers::spawn_replica(&app, &settings).await;
        let second = crate::helpers::spawn_replica(&app, &settings).await;
        let deadline = Instant::now() + Duration::from_secs(10);
        while app.list_keys(&client).await.len() != 2 {
            assert!(
                Instant::now() < deadline,
                "{backend:?}: the policy revoked nothing"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // Let both replicas sweep a few more times.
        tokio::time::sleep(Duration::from_millis(2500)).await;
        let names: Vec<String> = app
            .list_keys(&client)
            .await
            .into_iter()
            .map(|k| k.name)
            .collect();
        assert_eq!(names, ["fresh", "used"], "{backend:?}");
        assert_eq!(app.verify_code(&never_secret).await, "REVOKED");
        assert_eq!(first.verify_code(&never_secret).await, "REVOKED");
        assert_eq!(second.verify_code(&used_secret).await, "VALID");
        assert_eq!(app.verify_code(&fresh_secret).await, "VALID");
        let revocations: Vec<_> = app
            .events(&client)
            .await
            .data
            .into_iter()
            .filter(|e| e.action.as_str() == "api_key_revoked_unused")
            .collect();
        let mut targets: Vec<_> = revocations.iter().filter_map(|e| e.target_id).collect();
        targets.sort();
        let mut expected = vec![never.id, stale.id];
        expected.sort();
        assert_eq!(
            targets, expected,
            "{backend:?}: one event per key: {revocations:?}"
        );
        assert!(revocations.iter().all(|e| e
            .detail
            .as_deref()
            .is_some_and(|d| d.ends_with("unused for 30 days"))));
    }
}

/// A key used from more addresses than are kept loses its oldest at the
/// next sweep: the sweep counts the addresses of the keys its flushes gave
/// a new one (its pass over every row ran at start-up, and next runs in an
/// hour).
#[tokio::test]
async fn a_key_past_its_kept_addresses_loses_the_oldest_at_the_next_sweep() {
    use sea_orm::{ConnectionTrait, Database, Statement};
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = spawn_app_with(backend, &[("LLAVERO_HOUSEKEEPING_SECS", "1")]).await;
        let (_, client) = app.user("ines", Role::User).await;
        let (key, secret) = app.create_key(&client, "crowded").await;
        for i in 0..55 {
            let body = json!({ "key": secret, "client_ip": format!("192.0.2.{i}") });
            assert_eq!(app.verify_code_with(body).await, "VALID");
        }
        let db = Database::connect(&app.database_url)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let sql = format!(
            "SELECT ip FROM api_key_addresses WHERE api_key_id = {}",
            app.id_sql(key.id)
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        let kept = loop {
            let rows = db
                .query_all(Statement::from_string(db.get_database_backend(), &sql))
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let ips: Vec<String> = rows
                .iter()
                .map(|r| r.try_get("", "ip").unwrap_or_else(|e| panic!("{e}")))
                .collect();
            // The last use written, and the five oldest gone.
            if ips.len() == 50 && ips.iter().any(|ip| ip == "192.0.2.54") {
                break ips;
            }
            assert!(
                Instant::now() < deadline,
                "{backend:?}: {} addresses kept",
                ips.len()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        for i in 0..5 {
            let gone = format!("192.0.2.{i}");
            assert!(!kept.contains(&gone), "{backend:?}: {gone} was kept");
        }
        db.close().await.unwrap_or_else(|e| panic!("{e}"));
    }
}
