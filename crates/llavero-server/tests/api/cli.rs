//! The `llavero` binary itself: `user add`, `migrate`, `openapi`, `probe`,
//! and `serve` as an operator runs it — first-start admin password printed
//! once, a real port, and a clean exit on SIGTERM.

use std::process::Command;

use serde_json::json;

use crate::helpers::{new_client, succeeded, wait_ready};
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
    succeeded(&out);
    let out = llavero(dir.path())
        .env("LLAVERO_PASSWORD", "cli-made-password")
        .args(["user", "add", "Olga", "--admin"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    succeeded(&out);
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
    succeeded(&out);
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

/// A replica started with a mistyped pepper stops before it listens, with
/// a message naming the setting and neither value; a deliberate change is
/// a command.
fn a_mistyped_pepper_is_caught_at_start(database_url: &str) {
    let dir = scratch();
    let right = "the-right-pepper-0123456789abcdefghijkl";
    let wrong = "the-wrong-pepper-0123456789abcdefghijkl";
    let with = |pepper: &str| {
        let mut cmd = llavero(dir.path());
        cmd.env("LLAVERO_DATABASE_URL", database_url)
            .env("LLAVERO_KEY_PEPPER", pepper)
            .env("LLAVERO_ADMIN_PASSWORD", "pepper-test-admin-password");
        cmd
    };
    // The first start records the pepper's check value.
    drop(ServerProcess::start(with(right)));
    let out = with(wrong)
        .args(["serve"])
        .env("LLAVERO_LISTEN", "127.0.0.1:0")
        .output()
        .unwrap();
    assert!(!out.status.success(), "started with the wrong pepper");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stdout.contains("listening on"), "{stdout}");
    assert!(stderr.contains("LLAVERO_KEY_PEPPER"), "{stderr}");
    for secret in [right, wrong] {
        assert!(
            !stderr.contains(secret) && !stdout.contains(secret),
            "a pepper was printed: {stderr}"
        );
    }
    // The right one still starts.
    drop(ServerProcess::start(with(right)));
    // A deliberate change: refused without --yes, then accepted.
    let out = with(wrong).arg("pepper-accept").output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--yes"));
    let out = with(wrong)
        .args(["pepper-accept", "--yes"])
        .output()
        .unwrap();
    succeeded(&out);
    drop(ServerProcess::start(with(wrong)));
    let out = with(right)
        .args(["serve"])
        .env("LLAVERO_LISTEN", "127.0.0.1:0")
        .output()
        .unwrap();
    assert!(!out.status.success(), "the old pepper is now the wrong one");
}

#[test]
fn a_mistyped_pepper_is_caught_at_start_sqlite() {
    let dir = scratch();
    a_mistyped_pepper_is_caught_at_start(&format!(
        "sqlite://{}/p.db?mode=rwc",
        dir.path().display()
    ));
}

#[tokio::test]
async fn a_mistyped_pepper_is_caught_at_start_postgres() {
    let (url, _scratch) = crate::helpers::postgres_scratch().await;
    tokio::task::spawn_blocking(move || a_mistyped_pepper_is_caught_at_start(&url))
        .await
        .unwrap();
}

const BACKUP_ADMIN_PASSWORD: &str = "backup-test-admin-password";

async fn signed_in(base: &str) -> reqwest::Client {
    let client = new_client();
    let res = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "username": "admin", "password": BACKUP_ADMIN_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    client
}

/// Creates a key; its id and secret.
async fn new_key(client: &reqwest::Client, base: &str, name: &str) -> (String, String) {
    let res = client
        .post(format!("{base}/api/v1/api-keys"))
        .json(&json!({ "name": name }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let body: serde_json::Value = res.json().await.unwrap();
    (
        body["data"]["id"].as_str().unwrap().to_owned(),
        body["secret"].as_str().unwrap().to_owned(),
    )
}

async fn verify_code(base: &str, key: &str) -> String {
    let res = reqwest::Client::new()
        .post(format!("{base}/api/v1/verify"))
        .bearer_auth(crate::helpers::VERIFY_TOKEN)
        .json(&json!({ "key": key }))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = res.json().await.unwrap();
    body["data"]["code"].as_str().unwrap_or_default().to_owned()
}

/// `llavero backup` copies a live SQLite database under a create/revoke
/// load: restored (with the pepper file it names), every change
/// acknowledged before the backup started is there and every key answers
/// as it did.
#[tokio::test]
async fn a_backup_under_load_restores_every_acknowledged_change() {
    let dir = scratch();
    let live = || {
        let mut cmd = llavero(dir.path());
        cmd.env("LLAVERO_ADMIN_PASSWORD", BACKUP_ADMIN_PASSWORD)
            .env("LLAVERO_KEY_CREATE_PER_MINUTE", "0")
            .env("LLAVERO_VERIFY_TOKEN", crate::helpers::VERIFY_TOKEN);
        cmd
    };
    let server = ServerProcess::start(live());
    let base = server.base.clone();
    let admin = signed_in(&base).await;
    let mut kept = Vec::new();
    let mut revoked = Vec::new();
    for i in 0..20 {
        let (id, secret) = new_key(&admin, &base, &format!("before-{i}")).await;
        if i % 4 == 0 {
            let res = admin
                .delete(format!("{base}/api/v1/api-keys/{id}"))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 204);
            revoked.push(secret);
        } else {
            kept.push(secret);
        }
    }
    // The load goes on while the backup runs.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load = {
        let (stop, base, admin) = (stop.clone(), base.clone(), admin.clone());
        tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let (id, _) = new_key(&admin, &base, &format!("during-{n}")).await;
                if n % 2 == 0 {
                    admin
                        .delete(format!("{base}/api/v1/api-keys/{id}"))
                        .send()
                        .await
                        .unwrap();
                }
                n += 1;
            }
            n
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let copy = dir.path().join("backup.db");
    let out = {
        let mut cmd = live();
        cmd.arg("backup").arg(&copy);
        tokio::task::spawn_blocking(move || cmd.output().unwrap())
            .await
            .unwrap()
    };
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let during = load.await.unwrap();
    assert!(during > 0, "no load ran during the backup");
    succeeded(&out);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("llavero.pepper"),
        "the backup does not say to keep the pepper: {said}"
    );
    assert!(!said.contains(
        &std::fs::read_to_string(dir.path().join("llavero.pepper"))
            .unwrap()
            .trim()
            .to_owned()
    ));
    // Refuses to overwrite.
    let again = live().arg("backup").arg(&copy).output().unwrap();
    assert!(!again.status.success());
    drop(server);

    // Restore: the copy and the pepper file, in a fresh directory.
    let restored = scratch();
    std::fs::copy(&copy, restored.path().join("llavero.db")).unwrap();
    std::fs::copy(
        dir.path().join("llavero.pepper"),
        restored.path().join("llavero.pepper"),
    )
    .unwrap();
    let server = ServerProcess::start({
        let mut cmd = llavero(restored.path());
        cmd.env("LLAVERO_VERIFY_TOKEN", crate::helpers::VERIFY_TOKEN);
        cmd
    });
    for key in &kept {
        assert_eq!(verify_code(&server.base, key).await, "VALID");
    }
    for key in &revoked {
        assert_eq!(verify_code(&server.base, key).await, "REVOKED");
    }
    // The admin's sign-in came along too.
    signed_in(&server.base).await;
}
