//! The database goes away under verification load: answers are 503
//! `database_unavailable` with `Retry-After`, never a 500 and never a hang;
//! nothing is served from memory once the outage is noticed (a key verified
//! just before is refused with a 503 too); `/readyz` says 503; and service
//! resumes by itself when the database is back.
//!
//! The server reaches PostgreSQL through a TCP relay of the test's own on
//! loopback; cutting the relay is the outage (every connection closed, new
//! ones refused), restoring it the recovery. PostgreSQL itself keeps running
//! for the other tests.

use std::sync::Arc;

use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::helpers::{fresh_postgres, problem, spawn_app_with, Backend};

/// A loopback relay to PostgreSQL that can be cut and restored.
struct Relay {
    port: u16,
    cut: Arc<Notify>,
    task: Option<JoinHandle<()>>,
}

impl Relay {
    async fn start(port: Option<u16>) -> Relay {
        let listener = TcpListener::bind(("127.0.0.1", port.unwrap_or(0)))
            .await
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        let cut = Arc::new(Notify::new());
        let stop = cut.clone();
        let task = tokio::spawn(async move {
            let mut links = Vec::new();
            loop {
                tokio::select! {
                    () = stop.notified() => break,
                    accepted = listener.accept() => {
                        let Ok((mut inbound, _)) = accepted else { break };
                        links.push(tokio::spawn(async move {
                            if let Ok(mut outbound) = TcpStream::connect("127.0.0.1:5432").await {
                                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                            }
                        }));
                    }
                }
            }
            // The outage: every open connection drops with the listener.
            for link in links {
                link.abort();
            }
        });
        Relay {
            port,
            cut,
            task: Some(task),
        }
    }

    async fn cut(&mut self) {
        self.cut.notify_one();
        if let Some(task) = self.task.take() {
            task.await.unwrap();
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

#[tokio::test]
async fn an_unreachable_database_is_a_503_with_retry_after_and_service_resumes() {
    let (direct, _db) = fresh_postgres().await;
    let mut relay = Relay::start(None).await;
    let through_relay = direct.replacen("127.0.0.1:5432", &format!("127.0.0.1:{}", relay.port), 1);
    assert_ne!(
        through_relay, direct,
        "the test database URL is not on 127.0.0.1:5432"
    );
    let app = spawn_app_with(
        Backend::Postgres,
        &[("LLAVERO_DATABASE_URL", through_relay.as_str())],
    )
    .await;
    let admin = app.admin().await;
    let (_, secret) = app.create_key(&admin, "before-the-outage").await;
    assert_eq!(app.verify_code(&secret).await, "VALID");

    // Verification load through the whole outage and recovery: every
    // answer is a verdict or a 503, each within a few seconds. It ends once
    // it has seen the outage (a 503) and then five verdicts in a row.
    let load = tokio::spawn({
        let (url, secret) = (app.url("/verify"), secret.clone());
        async move {
            let client = reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(5))
                .build()
                .unwrap();
            let mut statuses = Vec::new();
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
            while std::time::Instant::now() < deadline {
                let res = client
                    .post(&url)
                    .bearer_auth(crate::helpers::VERIFY_TOKEN)
                    .json(&json!({ "key": secret }))
                    .send()
                    .await;
                let res = res.unwrap_or_else(|e| panic!("a verification hung or failed: {e}"));
                statuses.push(res.status().as_u16());
                let recovered = statuses.iter().rev().take_while(|s| **s == 200).count() >= 5;
                if statuses.contains(&503) && recovered {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            statuses
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    relay.cut().await;
    // Past the heartbeat deadline the cache is off: nothing from memory.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let base = app.api.trim_end_matches("/api/v1").to_owned();
    assert_eq!(
        reqwest::get(format!("{base}/readyz"))
            .await
            .unwrap()
            .status(),
        503
    );
    for attempt in [
        admin.get(app.url("/api-keys")).send().await.unwrap(),
        admin
            .post(app.url("/api-keys"))
            .json(&json!({ "name": "during" }))
            .send()
            .await
            .unwrap(),
        app.get_with_key("/me", &secret).await,
        app.verify(json!({ "key": secret })).await,
    ] {
        let retry = attempt
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        problem(attempt, 503, "database_unavailable").await;
        assert!(retry.is_some_and(|s| s > 0), "no Retry-After: {retry:?}");
    }

    let _back = Relay::start(Some(relay.port)).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let res = admin.get(app.url("/api-keys")).send().await.unwrap();
        if res.status() == 200 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no recovery: {}",
            res.status()
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        app.list_keys(&admin).await.len(),
        1,
        "the key made before the outage is there, the one during it is not"
    );
    assert_eq!(app.verify_code(&secret).await, "VALID");
    let statuses = load.await.unwrap();
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 503),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&503) && statuses.ends_with(&[200; 5]),
        "{statuses:?}"
    );
}

/// A server cut off from its database still stops on SIGTERM within
/// seconds, giving up the use it could not write. (It hung: the usage
/// flush's thread waited for ever to close its own connection, one being
/// reopened to the database that had gone.) Two threads: the relay runs
/// while the test blocks on the process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_cut_off_from_its_database_stops_on_sigterm() {
    let (direct, _db) = fresh_postgres().await;
    let app = spawn_app_with(
        Backend::Postgres,
        &[("LLAVERO_DATABASE_URL", direct.as_str())],
    )
    .await;
    let admin = app.admin().await;
    let (_, secret) = app.create_key(&admin, "pending-use").await;
    let mut relay = Relay::start(None).await;
    let through_relay = direct.replacen("127.0.0.1:5432", &format!("127.0.0.1:{}", relay.port), 1);
    let mut server = crate::process::replica(&through_relay, &app.admin_password);
    // A use waiting for the flush when the database goes away.
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/verify", server.base))
        .bearer_auth(crate::helpers::VERIFY_TOKEN)
        .json(&json!({ "key": secret, "client_ip": "203.0.113.7" }))
        .timeout(std::time::Duration::from_secs(5))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status(), 200);
    relay.cut().await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let status = server.terminate_within(std::time::Duration::from_secs(10));
    assert!(
        status.is_some_and(|s| s.success()),
        "no clean exit within 10 s of SIGTERM ({status:?}):\n{}",
        server.stderr_text()
    );
}
