//! Several `llavero` processes on one PostgreSQL: a revocation, a disabled
//! owner, a key's new limits or a roll, is refused on the replica that did it at once and on every other
//! replica within moments — although each caches verified keys for minutes.
//!
//! The bound asserted here is generous (1 s, for a loaded CI machine); the
//! benchmark measures the real propagation time.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::{fresh_postgres, metric, new_client, wait_ready};
use crate::process::{replica, verify_at, ServerProcess as Replica};

const ADMIN_PASSWORD: &str = "replica-admin-password";
const BOUND: Duration = Duration::from_secs(1);

fn start(url: &str) -> Replica {
    replica(url, ADMIN_PASSWORD)
}

async fn verify(r: &Replica, key: &str) -> String {
    verify_at(&r.base, key).await
}

async fn cached_keys(r: &Replica) -> u64 {
    metric(&r.base, "llavero_key_cache_entries").await
}

/// Polls `r` until `key` verifies as `code`; returns how long it took.
async fn until(r: &Replica, key: &str, code: &str) -> Duration {
    let started = Instant::now();
    loop {
        if verify(r, key).await == code {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{} never answered {code}",
            r.base
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn three_replicas_with_a_warm_key(
) -> (Vec<Replica>, reqwest::Client, Value, String, impl Drop) {
    let (url, guard) = fresh_postgres().await;
    // The first start bootstraps the admin; the others find it.
    let first = start(&url);
    wait_ready(&first.base).await;
    let replicas = vec![first, start(&url), start(&url)];
    for r in &replicas[1..] {
        wait_ready(&r.base).await;
    }
    let admin = new_client();
    let a = &replicas[0].base;
    let res = admin
        .post(format!("{a}/api/v1/auth/login"))
        .json(&json!({ "username": "admin", "password": ADMIN_PASSWORD }))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status(), 200);
    let res = admin
        .post(format!("{a}/api/v1/users"))
        .json(&json!({ "username": "rita", "password": "rita-password-1" }))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let user: Value = res.json().await.unwrap_or_default();
    let rita = new_client();
    rita.post(format!("{a}/api/v1/auth/login"))
        .json(&json!({ "username": "rita", "password": "rita-password-1" }))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let res = rita
        .post(format!("{a}/api/v1/api-keys"))
        .json(&json!({ "name": "replicated" }))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let created: Value = res.json().await.unwrap_or_default();
    let secret = created["secret"].as_str().unwrap_or_default().to_owned();
    // Each replica caches once its invalidation channel is proven live
    // (it has heard its own heartbeat).
    for r in &replicas {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            assert_eq!(verify(r, &secret).await, "VALID");
            if cached_keys(r).await >= 1 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{} does not cache: the test would prove nothing",
                r.base
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let ids = json!({ "key": created["data"], "user": user["data"] });
    (replicas, rita, ids, secret, guard)
}

#[tokio::test]
async fn a_revocation_is_refused_on_every_replica_within_moments() {
    let (replicas, rita, ids, secret, _db) = three_replicas_with_a_warm_key().await;
    let key_id = ids["key"]["id"].as_str().unwrap_or_default().to_owned();
    let res = rita
        .delete(format!("{}/api/v1/api-keys/{key_id}", replicas[0].base))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status(), 204);
    assert_eq!(
        verify(&replicas[0], &secret).await,
        "REVOKED",
        "not refused at once where it was revoked"
    );
    for r in &replicas[1..] {
        let took = until(r, &secret, "REVOKED").await;
        assert!(took < BOUND, "{} took {took:?}", r.base);
    }
}

#[tokio::test]
async fn disabling_the_owner_is_refused_on_every_replica_within_moments() {
    let (replicas, _rita, ids, secret, _db) = three_replicas_with_a_warm_key().await;
    let user_id = ids["user"]["id"].as_str().unwrap_or_default().to_owned();
    let admin = new_client();
    let b = &replicas[1].base;
    admin
        .post(format!("{b}/api/v1/auth/login"))
        .json(&json!({ "username": "admin", "password": ADMIN_PASSWORD }))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let res = admin
        .patch(format!("{b}/api/v1/users/{user_id}"))
        .json(&json!({ "disabled": true }))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status(), 200);
    assert_eq!(
        verify(&replicas[1], &secret).await,
        "USER_DISABLED",
        "not refused at once where it was disabled"
    );
    for r in [&replicas[0], &replicas[2]] {
        let took = until(r, &secret, "USER_DISABLED").await;
        assert!(took < BOUND, "{} took {took:?}", r.base);
    }
}

#[tokio::test]
async fn sign_in_guesses_are_counted_across_replicas() {
    let (url, _db) = fresh_postgres().await;
    let a = start(&url);
    wait_ready(&a.base).await;
    let b = start(&url);
    wait_ready(&b.base).await;
    let mut statuses = Vec::new();
    for i in 0..12 {
        let r = if i % 2 == 0 { &a } else { &b };
        let res = reqwest::Client::new()
            .post(format!("{}/api/v1/auth/login", r.base))
            .json(&json!({ "username": "admin", "password": format!("guess-{i}") }))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        statuses.push(res.status().as_u16());
    }
    // One shared count: ten checks in all, not ten per replica.
    assert_eq!(statuses[..10], [401; 10], "{statuses:?}");
    assert_eq!(statuses[10..], [429; 2], "{statuses:?}");
}

#[tokio::test]
async fn a_limits_change_and_a_roll_apply_on_every_replica_within_moments() {
    let (replicas, rita, ids, secret, _db) = three_replicas_with_a_warm_key().await;
    let key_id = ids["key"]["id"].as_str().unwrap_or_default().to_owned();
    let path = format!("{}/api/v1/api-keys/{key_id}", replicas[0].base);
    // Limited to a network the verifying gateway names no address in.
    let res = rita
        .patch(&path)
        .json(&json!({ "allowed_cidrs": ["192.0.2.0/24"] }))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status(), 200);
    assert_eq!(verify(&replicas[0], &secret).await, "IP_NOT_ALLOWED");
    for r in &replicas[1..] {
        let took = until(r, &secret, "IP_NOT_ALLOWED").await;
        assert!(took < BOUND, "{} took {took:?}", r.base);
    }
    // Lifted again, and every replica caches the key anew...
    let res = rita
        .patch(&path)
        .json(&json!({ "allowed_cidrs": [] }))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status(), 200);
    for r in &replicas {
        until(r, &secret, "VALID").await;
    }
    // ...then rolled without grace: the old secret is refused everywhere.
    let res = rita
        .post(format!("{path}/roll"))
        .json(&json!({ "grace_seconds": 0 }))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status(), 201);
    assert_eq!(verify(&replicas[0], &secret).await, "REVOKED");
    for r in &replicas[1..] {
        let took = until(r, &secret, "REVOKED").await;
        assert!(took < BOUND, "{} took {took:?}", r.base);
    }
}
