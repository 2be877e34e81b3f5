//! The `llavero` binary itself: `user add`, `migrate`, `openapi`, `probe`,
//! and `serve` as an operator runs it — first-start admin password printed
//! once, a real port, and a clean exit on SIGTERM.

use std::process::Command;

use serde_json::json;

use crate::helpers::{new_client, wait_ready};
use crate::process::{ServerProcess, BIN};

/// A directory of the test's own, removed when the test ends (pass or fail).
fn scratch() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("llavero-cli-")
        .tempdir()
        .unwrap()
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
    let out = llavero(dir.path())
        .env("LLAVERO_LISTEN", "nowhere")
        .arg("migrate")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("LLAVERO_LISTEN"));
    let out = llavero(dir.path())
        .env("LLAVERO_DATABASE_URL", "postgres://127.0.0.1:1/none")
        .arg("serve")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("LLAVERO_KEY_PEPPER is required with PostgreSQL"));
}

#[tokio::test]
async fn user_add_then_serve_prints_no_bootstrap_password_and_stops_cleanly_on_sigterm() {
    let dir = scratch();
    let out = llavero(dir.path())
        .arg("migrate")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = llavero(dir.path())
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
    let dup = llavero(dir.path())
        .env("LLAVERO_PASSWORD", "cli-made-password")
        .args(["user", "add", "olga"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!dup.status.success());
    assert!(String::from_utf8_lossy(&dup.stderr).contains("username is taken"));

    let mut server = ServerProcess::start(llavero(dir.path()));
    let base = server.base.clone();
    wait_ready(&base).await;
    let client = new_client();
    let res = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "username": "olga", "password": "cli-made-password" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let probe = Command::new(BIN)
        .args(["probe", &format!("{base}/readyz")])
        .status()
        .unwrap();
    assert!(probe.success());

    let status = server.terminate();
    assert!(status.success(), "exit after SIGTERM: {status}");
    let logs = server.stderr_text();
    assert!(
        !logs.contains("First start"),
        "an admin existed, yet a password was generated:\n{logs}"
    );
    assert!(!logs.contains("cli-made-password"));
}

#[tokio::test]
async fn first_start_prints_a_working_admin_password_once() {
    let dir = scratch();
    let mut server = ServerProcess::start(llavero(dir.path()));
    // The banner is written before the server listens.
    let banner = server.stderr_until(|l| l.contains("with password "));
    let password = banner
        .split("with password ")
        .nth(1)
        .unwrap()
        .trim()
        .to_owned();
    assert!(password.len() >= 16);
    let base = server.base.clone();
    wait_ready(&base).await;
    let res = new_client()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "username": "admin", "password": password }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    server.terminate();
    // The log lines (not the one-time banner) never carry it.
    let logs = server.stderr_text();
    let rest: Vec<&str> = logs.lines().filter(|l| *l != banner).collect();
    assert!(rest.iter().all(|l| !l.contains(&password)), "{rest:?}");
}

#[test]
fn a_config_file_sets_what_the_environment_does_not() {
    let dir = scratch();
    let db = dir.path().join("from-file.db");
    let file = dir.path().join("llavero.toml");
    std::fs::write(
        &file,
        format!(
            "database_url = \"sqlite://{}?mode=rwc\"\nsession_hours = 3\n",
            db.display()
        ),
    )
    .unwrap();
    let out = Command::new(BIN)
        .env_clear()
        .args(["--config", file.to_str().unwrap(), "migrate"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        db.is_file(),
        "the database named in the file was not created"
    );
    // The same file through LLAVERO_CONFIG, with a bad value: the error names
    // the variable and the file.
    std::fs::write(&file, "session_hours = 0\n").unwrap();
    let out = Command::new(BIN)
        .env_clear()
        .env("LLAVERO_CONFIG", &file)
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("LLAVERO_SESSION_HOURS") && err.contains("llavero.toml"),
        "{err}"
    );
}
