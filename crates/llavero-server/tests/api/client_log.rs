//! The request log names the client the trusted-proxy logic derived: a
//! client-supplied `X-Forwarded-For` or `Forwarded` from an untrusted peer
//! never reaches the log, a trusted proxy's does.

use serde_json::json;

use crate::helpers::{logs, spawn_app_with, Backend, TestApp, VERIFY_TOKEN};

/// The log lines of one request (a refused verification, which always
/// leaves a line), found by its request id, without terminal colours.
async fn logged_lines(app: &TestApp, headers: &[(&str, &str)]) -> Vec<String> {
    let mut req = reqwest::Client::new()
        .post(app.url("/verify"))
        .bearer_auth(VERIFY_TOKEN)
        .json(&json!({ "key": "mco_not-a-key" }));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), 200);
    let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let lines: Vec<String> = logs()
        .text()
        .lines()
        .map(plain)
        .filter(|l| l.contains(&id))
        .collect();
    assert!(!lines.is_empty(), "the request left no log line");
    lines
}

/// `line` without ANSI escape sequences.
fn plain(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[tokio::test]
async fn an_untrusted_peers_forwarded_headers_never_reach_the_log() {
    let app = spawn_app_with(Backend::Sqlite, &[]).await;
    let lines = logged_lines(
        &app,
        &[
            ("x-forwarded-for", "203.0.113.77"),
            ("forwarded", "for=198.51.100.66"),
            ("x-real-ip", "192.0.2.55"),
        ],
    )
    .await;
    for line in &lines {
        assert!(line.contains("http.client_ip=127.0.0.1"), "{line}");
        for forged in ["203.0.113.77", "198.51.100.66", "192.0.2.55"] {
            assert!(
                !line.contains(forged),
                "a forged address was logged: {line}"
            );
        }
    }
}

#[tokio::test]
async fn a_trusted_proxys_client_is_logged() {
    let app = spawn_app_with(Backend::Sqlite, &[("LLAVERO_TRUSTED_PROXIES", "127.0.0.1")]).await;
    let lines = logged_lines(&app, &[("x-forwarded-for", "203.0.113.78")]).await;
    for line in &lines {
        assert!(line.contains("http.client_ip=203.0.113.78"), "{line}");
    }
}

/// The lines `res`'s request left at `level` (by its request id).
fn lines_of(res: &reqwest::Response, level: &str) -> Vec<String> {
    let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    logs()
        .text()
        .lines()
        .map(plain)
        .filter(|l| l.contains(&id) && l.contains(level))
        .collect()
}

/// Logs fit gateway rates: a refused verification (by `/verify` or
/// forward-auth) leaves one INFO line with its request id and code; an
/// accepted one leaves none at INFO.
#[tokio::test]
async fn a_refusal_leaves_one_info_line_and_a_success_none() {
    let app = spawn_app_with(Backend::Sqlite, &[]).await;
    let admin = app.admin().await;
    let (_, key) = app.create_key(&admin, "logged").await;
    let verify = |key: String| {
        reqwest::Client::new()
            .post(app.url("/verify"))
            .bearer_auth(VERIFY_TOKEN)
            .json(&json!({ "key": key }))
            .send()
    };
    let refused = verify(format!("{key}x")).await.unwrap();
    let info = lines_of(&refused, " INFO ");
    assert_eq!(info.len(), 1, "{info:?}");
    assert!(
        info[0].contains("key refused") && info[0].contains("code="),
        "{}",
        info[0]
    );
    let valid = verify(key.clone()).await.unwrap();
    assert_eq!(lines_of(&valid, " INFO "), Vec::<String>::new());
    let gateway = |key: &str| {
        reqwest::Client::new()
            .get(app.url("/forward-auth"))
            .header("MC-Api-Key", key.to_owned())
            .send()
    };
    let refused = gateway("mco_not-a-key").await.unwrap();
    assert_eq!(refused.status(), 401);
    assert_eq!(lines_of(&refused, " INFO ").len(), 1);
    let allowed = gateway(&key).await.unwrap();
    assert_eq!(allowed.status(), 200);
    assert_eq!(lines_of(&allowed, " INFO "), Vec::<String>::new());
}
