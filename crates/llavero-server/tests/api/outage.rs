//! The database goes away: answers are 503 `database_unavailable` with
//! `Retry-After`, never a 500, and service resumes when it is back.
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

    relay.cut().await;
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
}
