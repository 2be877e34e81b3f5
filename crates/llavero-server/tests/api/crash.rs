//! `kill -9` under load: every create and revoke that a client saw
//! acknowledged is in the database after the crash, with its activity event.
//!
//! A real `llavero serve` process takes concurrent creates and revokes from
//! several clients; it is killed with SIGKILL mid-stream (no shutdown, no
//! flush), started again on the same database, and asked — over its own
//! API — about every acknowledged change, and its webhook receiver (down
//! until after the crash) gets every acknowledged change's event.

use std::collections::{HashMap, HashSet};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use llavero_types::{ActivityAction, ActivityEvent, ApiKey};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{fresh_postgres, new_client, Backend, PG_PEPPER, VERIFY_TOKEN};
use crate::process::{ServerProcess, BIN};
use crate::receiver::{free_port, of_key, Receiver};

const ADMIN_PASSWORD: &str = "crash-admin-password";
const CLIENTS: usize = 6;
/// The most the load may run before the kill (bounded: the test stops itself).
const LOAD_FOR: Duration = Duration::from_secs(20);

fn start(url: &str, dir: &std::path::Path) -> ServerProcess {
    let mut cmd = Command::new(BIN);
    cmd.env_clear()
        .current_dir(dir)
        .env("LLAVERO_DATABASE_URL", url)
        .env("LLAVERO_KEY_PEPPER", PG_PEPPER)
        .env("LLAVERO_VERIFY_TOKEN", VERIFY_TOKEN)
        .env("LLAVERO_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("LLAVERO_WEBHOOK_ALLOW_NETWORKS", "127.0.0.0/8")
        .env("LLAVERO_WEBHOOK_ALLOW_HTTP", "true")
        .env("RUST_LOG", "error");
    ServerProcess::start(cmd)
}

async fn signed_in(base: &str) -> reqwest::Client {
    let client = new_client();
    let res = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "username": "admin", "password": ADMIN_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    client
}

/// What the clients saw acknowledged: created key ids (with their secrets)
/// and revoked key ids.
#[derive(Default)]
struct Acked {
    created: HashMap<Uuid, String>,
    revoked: HashSet<Uuid>,
    /// Revocations sent: one cut short by the kill may or may not have
    /// committed (the client cannot know), so only these may be revoked.
    revoke_sent: HashSet<Uuid>,
}

/// One client: create a key, and every other round revoke one it created.
async fn load(base: String, client: reqwest::Client, acked: Arc<Mutex<Acked>>, until: Instant) {
    let mut mine: Vec<Uuid> = Vec::new();
    let mut round = 0u32;
    while Instant::now() < until {
        round += 1;
        let res = client
            .post(format!("{base}/api/v1/api-keys"))
            .json(&json!({ "name": format!("crash-{round}") }))
            .send()
            .await;
        let Ok(res) = res else { return };
        if res.status() != 201 {
            return;
        }
        let Ok(body) = res.json::<Value>().await else {
            return;
        };
        let id: Uuid = body["data"]["id"].as_str().unwrap().parse().unwrap();
        let secret = body["secret"].as_str().unwrap().to_owned();
        acked.lock().unwrap().created.insert(id, secret);
        mine.push(id);
        if round.is_multiple_of(2) {
            let victim = mine.remove(0);
            acked.lock().unwrap().revoke_sent.insert(victim);
            let res = client
                .delete(format!("{base}/api/v1/api-keys/{victim}"))
                .send()
                .await;
            match res {
                Ok(r) if r.status() == 204 => {
                    acked.lock().unwrap().revoked.insert(victim);
                }
                _ => return,
            }
        }
    }
}

/// Every item of every page of `path` (a cursor-paginated list).
async fn all_pages<T: serde::de::DeserializeOwned>(
    base: &str,
    client: &reqwest::Client,
    path: &str,
) -> Vec<T> {
    let mut all = Vec::new();
    let mut cursor = String::new();
    loop {
        let res = client
            .get(format!("{base}/api/v1{path}?limit=200&cursor={cursor}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{path}");
        let mut page: Value = res.json().await.unwrap();
        all.extend(serde_json::from_value::<Vec<T>>(page["data"].take()).unwrap());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => return all,
        }
    }
}

async fn verify_code(base: &str, key: &str) -> String {
    let res = reqwest::Client::new()
        .post(format!("{base}/api/v1/verify"))
        .bearer_auth(VERIFY_TOKEN)
        .json(&json!({ "key": key }))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    body["data"]["code"].as_str().unwrap_or_default().to_owned()
}

async fn acknowledged_changes_survive_a_kill(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (url, _db) = match backend {
        Backend::Postgres => {
            let (url, guard) = fresh_postgres().await;
            (url, Some(guard))
        }
        Backend::Sqlite => (
            format!("sqlite://{}/llavero.db?mode=rwc", dir.path().display()),
            None,
        ),
    };
    let mut server = start(&url, dir.path());
    let base = server.base.clone();
    // A webhook endpoint whose receiver is down until after the crash:
    // every event is still in the outbox when the server dies.
    let hook_port = free_port();
    let hook = signed_in(&base)
        .await
        .post(format!("{base}/api/v1/webhooks"))
        .json(&json!({ "url": format!("http://127.0.0.1:{hook_port}/hooks"), "events": ["key.created", "key.revoked"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(hook.status(), 201);
    let hook_secret = hook.json::<Value>().await.unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    // Sign the clients in first (argon2 is slow under load), then start
    // the load and kill the server once enough changes were acknowledged:
    // the kill lands mid-stream whatever the machine's speed.
    let mut signed = Vec::new();
    for _ in 0..CLIENTS {
        signed.push(signed_in(&base).await);
    }
    let acked = Arc::new(Mutex::new(Acked::default()));
    let until = Instant::now() + LOAD_FOR;
    let clients: Vec<_> = signed
        .into_iter()
        .map(|client| tokio::spawn(load(base.clone(), client, acked.clone(), until)))
        .collect();
    loop {
        let (created, revoked) = {
            let a = acked.lock().unwrap();
            (a.created.len(), a.revoked.len())
        };
        if created >= 20 && revoked >= 5 {
            break;
        }
        assert!(
            Instant::now() < until,
            "too little load to prove anything: {created} created, {revoked} revoked"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.kill();
    for c in clients {
        c.await.unwrap();
    }
    let acked = std::mem::take(&mut *acked.lock().unwrap());

    let receiver = Receiver::start(hook_port, 0, Some(&hook_secret));
    let server = start(&url, dir.path());
    let base = server.base.clone();
    let admin = signed_in(&base).await;
    let events: HashSet<(ActivityAction, Option<Uuid>)> =
        all_pages::<ActivityEvent>(&base, &admin, "/activity")
            .await
            .into_iter()
            .map(|e| (e.action, e.target_id))
            .collect();
    for (id, secret) in &acked.created {
        let code = verify_code(&base, secret).await;
        if acked.revoked.contains(id) {
            assert_eq!(
                code, "REVOKED",
                "key {id}: revocation acknowledged, then lost"
            );
        } else if !acked.revoke_sent.contains(id) {
            assert_eq!(code, "VALID", "key {id}: creation acknowledged, then lost");
        } else {
            assert!(code == "VALID" || code == "REVOKED", "key {id}: {code}");
        }
        assert!(
            events.contains(&(ActivityAction::ApiKeyCreated, Some(*id))),
            "acknowledged creation of {id} has no activity event"
        );
    }
    for id in &acked.revoked {
        assert!(
            events.contains(&(ActivityAction::ApiKeyRevoked, Some(*id))),
            "acknowledged revocation of {id} has no activity event"
        );
    }
    // Acknowledged or not, no change is in the database without its event:
    // every live key has its creation event, every revoked one its revocation.
    for key in all_pages::<ApiKey>(&base, &admin, "/api-keys").await {
        let id = key.id;
        assert!(
            events.contains(&(ActivityAction::ApiKeyCreated, Some(id))),
            "key {id} exists without its creation event"
        );
    }
    for id in &acked.revoke_sent {
        if verify_code(&base, &acked.created[id]).await == "REVOKED" {
            assert!(
                events.contains(&(ActivityAction::ApiKeyRevoked, Some(*id))),
                "key {id} is revoked without its revocation event"
            );
        }
    }
    // Every acknowledged change's webhook arrives after the restart (a
    // lease cut short by the kill runs out within 30 s), verified by the
    // official library, and a key's events in order.
    let wanted = acked.created.len() + acked.revoked.len();
    let got = receiver
        .wait_for(Duration::from_secs(60), |g| {
            acked
                .created
                .keys()
                .all(|id| !of_key(g, "key.created", &id.to_string()).is_empty())
                && acked
                    .revoked
                    .iter()
                    .all(|id| !of_key(g, "key.revoked", &id.to_string()).is_empty())
        })
        .await;
    assert!(
        got.len() >= wanted,
        "{} deliveries for {wanted} changes",
        got.len()
    );
    for id in &acked.revoked {
        let id = id.to_string();
        let order: Vec<&str> = got
            .iter()
            .filter(|v| v["body"]["data"]["api_key_id"] == id.as_str())
            .map(|v| v["body"]["type"].as_str().unwrap())
            .collect();
        assert_eq!(order.first(), Some(&"key.created"), "{id}: {order:?}");
    }
}

#[tokio::test]
async fn acknowledged_changes_survive_kill_9_on_sqlite() {
    acknowledged_changes_survive_a_kill(Backend::Sqlite).await;
}

#[tokio::test]
async fn acknowledged_changes_survive_kill_9_on_postgres() {
    acknowledged_changes_survive_a_kill(Backend::Postgres).await;
}
