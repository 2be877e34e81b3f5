//! The `llavero` binary itself: `user add`, `migrate`, `openapi`, `probe`,
//! and `serve` as an operator runs it — first-start admin password printed
//! once, a real port, and a clean exit on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::{free_port, new_client, wait_ready};

const BIN: &str = env!("CARGO_BIN_EXE_llavero");

fn scratch() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("llavero-cli-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    dir
}

fn llavero(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env(
            "LLAVERO_DATABASE_URL",
            format!("sqlite://{}/llavero.db?mode=rwc", dir.display()),
        )
        .env("RUST_LOG", "info")
        .current_dir(dir);
    cmd
}

#[test]
fn openapi_prints_the_committed_document() {
    let out = Command::new(BIN)
        .arg("openapi")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        include_str!("../../../../openapi/llavero.json")
    );
}

#[test]
fn bad_configuration_is_a_clear_error_naming_the_variable() {
    let dir = scratch();
    let out = llavero(&dir)
        .env("LLAVERO_LISTEN", "nowhere")
        .arg("migrate")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("LLAVERO_LISTEN"));
    let out = llavero(&dir)
        .env("LLAVERO_DATABASE_URL", "postgres://127.0.0.1:1/none")
        .arg("serve")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("LLAVERO_KEY_PEPPER is required with PostgreSQL"));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn user_add_then_serve_prints_no_bootstrap_password_and_stops_cleanly_on_sigterm() {
    let dir = scratch();
    let out = llavero(&dir)
        .arg("migrate")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = llavero(&dir)
        .env("LLAVERO_PASSWORD", "cli-made-password")
        .args(["user", "add", "Olga", "--admin"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("created admin user olga"));
    let dup = llavero(&dir)
        .env("LLAVERO_PASSWORD", "cli-made-password")
        .args(["user", "add", "olga"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!dup.status.success());
    assert!(String::from_utf8_lossy(&dup.stderr).contains("username is taken"));

    let port = free_port();
    let mut server = llavero(&dir)
        .env("LLAVERO_LISTEN", format!("127.0.0.1:{port}"))
        .arg("serve")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let base = format!("http://127.0.0.1:{port}");
    wait_ready(&base).await;
    let client = new_client();
    let res = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "username": "olga", "password": "cli-made-password" }))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status(), 200);
    let probe = Command::new(BIN)
        .args(["probe", &format!("{base}/readyz")])
        .status()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(probe.success());

    let term = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(term.success());
    let status = server.wait().unwrap_or_else(|e| panic!("{e}"));
    assert!(status.success(), "exit after SIGTERM: {status}");
    let mut logs = String::new();
    if let Some(err) = server.stderr.take() {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            logs.push_str(&line);
            logs.push('\n');
        }
    }
    assert!(
        !logs.contains("First start"),
        "an admin existed, yet a password was generated:\n{logs}"
    );
    assert!(!logs.contains("cli-made-password"));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn first_start_prints_a_working_admin_password_once() {
    let dir = scratch();
    let port = free_port();
    let mut server = llavero(&dir)
        .env("LLAVERO_LISTEN", format!("127.0.0.1:{port}"))
        .arg("serve")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let stderr = server.stderr.take().unwrap_or_else(|| panic!("no stderr"));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut password = None;
    while password.is_none() && Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
            if let Some(rest) = line.split("with password ").nth(1) {
                password = Some(rest.trim().to_owned());
            }
        }
    }
    let password = password.unwrap_or_else(|| panic!("no first-start password was printed"));
    assert!(password.len() >= 16);
    let base = format!("http://127.0.0.1:{port}");
    wait_ready(&base).await;
    let res = new_client()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "username": "admin", "password": password }))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status(), 200);
    let _ = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    let _ = server.wait();
    // The log lines (not the one-time banner) never carry it.
    let rest: Vec<String> = rx.try_iter().collect();
    assert!(rest.iter().all(|l| !l.contains(&password)), "{rest:?}");
    let _ = std::fs::remove_dir_all(dir);
}
