//! Upgrading in place: databases written by the oldest release still
//! supported (`tests/fixtures/v0.1.0`, made by `.ci/make-upgrade-fixtures`
//! with that release's binary and committed) are served by this one —
//! every key answers as that release answered, and nothing is lost:
//! users, the disabled one, activity, webhooks, a key's last address.

use std::path::PathBuf;
use std::process::Command;

use serde_json::{json, Value};

use crate::helpers::{new_client, postgres_scratch, succeeded};
use crate::process::{ServerProcess, BIN};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v0.1.0")
}

fn expected(backend: &str) -> Value {
    let text = std::fs::read_to_string(fixtures().join("expected.json")).unwrap();
    serde_json::from_str::<Value>(&text).unwrap()[backend].clone()
}

fn server(database_url: &str, dir: &std::path::Path, e: &Value, pepper: bool) -> ServerProcess {
    let mut cmd = Command::new(BIN);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("LLAVERO_DATABASE_URL", database_url)
        .env("LLAVERO_VERIFY_TOKEN", e["verify_token"].as_str().unwrap())
        .env("LLAVERO_SCOPES", e["scopes"].as_str().unwrap())
        .env("LLAVERO_WEBHOOK_SENDER", "false")
        .env("RUST_LOG", "error")
        .current_dir(dir);
    if pepper {
        cmd.env("LLAVERO_KEY_PEPPER", e["pepper"].as_str().unwrap());
    }
    ServerProcess::start(cmd)
}

async fn signed_in(api: &str, user: &str, password: &str) -> reqwest::Client {
    let client = new_client();
    let res = client
        .post(format!("{api}/auth/login"))
        .json(&json!({ "username": user, "password": password }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{user} signs in");
    client
}

/// Each user's key list as the old release showed it: names, last
/// addresses and last uses (read before any key is used here).
async fn lists_as_before(base: &str, e: &Value) {
    let api = format!("{base}/api/v1");
    for (owner, listed) in e["listed_keys"].as_object().unwrap() {
        let client = signed_in(&api, owner, &format!("pw-of-{owner}-123")).await;
        let page: Value = client
            .get(format!("{api}/api-keys"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for key in page["data"].as_array().unwrap() {
            let before = &listed[key["name"].as_str().unwrap()];
            assert_eq!(
                key["last_used_ip"], before["last_used_ip"],
                "{owner}'s {}",
                key["name"]
            );
            let (now, then) = (
                key["last_used_at"].as_str(),
                before["last_used_at"].as_str(),
            );
            let at = |s: Option<&str>| s.map(|s| chrono::DateTime::parse_from_rfc3339(s).unwrap());
            assert_eq!(at(now), at(then), "{owner}'s {}", key["name"]);
        }
        assert_eq!(
            page["data"].as_array().unwrap().len(),
            listed.as_object().unwrap().len(),
            "{owner}'s keys"
        );
    }
}

async fn answers_as_before(base: &str, e: &Value) {
    let api = format!("{base}/api/v1");
    for key in e["keys"].as_array().unwrap() {
        for verdict in key["verdicts"].as_array().unwrap() {
            let mut body = verdict["request"].clone();
            body["key"] = key["secret"].clone();
            let res = reqwest::Client::new()
                .post(format!("{api}/verify"))
                .bearer_auth(e["verify_token"].as_str().unwrap())
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            let got: Value = res.json().await.unwrap();
            assert_eq!(
                got["data"]["code"], verdict["code"],
                "key {:?} with {}",
                key["name"], verdict["request"]
            );
        }
    }
    // The admin's password survived.
    let admin = signed_in(&api, "admin", e["admin_password"].as_str().unwrap()).await;
    let users = listed(&admin, &format!("{api}/users")).await;
    assert_eq!(json!(field_sorted(&users, "username")), e["users"]);
    let disabled: Vec<&str> = users
        .iter()
        .filter(|u| u["disabled"] == true)
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(json!(disabled), e["disabled_users"]);
    let activity = listed(&admin, &format!("{api}/activity?limit=200")).await;
    let before = e["activity_count"].as_u64().unwrap() as usize;
    assert!(activity.len() >= before, "activity was lost");
    let hooks = listed(&admin, &format!("{api}/webhooks")).await;
    assert_eq!(json!(field_sorted(&hooks, "url")), e["webhook_urls"]);
    // And the upgraded database takes new work.
    let alba = signed_in(&api, "alba", "pw-of-alba-123").await;
    let res = alba
        .post(format!("{api}/api-keys"))
        .json(&json!({ "name": "after the upgrade" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
}

#[tokio::test]
async fn a_sqlite_file_of_the_oldest_release_upgrades_in_place() {
    let e = expected("sqlite");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixtures().join("llavero.db"), dir.path().join("llavero.db")).unwrap();
    std::fs::copy(
        fixtures().join("llavero.pepper"),
        dir.path().join("llavero.pepper"),
    )
    .unwrap();
    let url = format!("sqlite://{}/llavero.db?mode=rwc", dir.path().display());
    let s = server(&url, dir.path(), &e, false);
    lists_as_before(&s.base, &e).await;
    answers_as_before(&s.base, &e).await;
    drop(s);
    // A second start on the upgraded file (the migrations are done).
    let s = server(&url, dir.path(), &e, false);
    answers_as_before(&s.base, &e).await;
}

#[tokio::test]
async fn a_postgres_dump_of_the_oldest_release_upgrades_in_place() {
    let e = expected("postgres");
    let (url, _scratch) = postgres_scratch().await;
    let out = Command::new("psql")
        .args(["-q", "-v", "ON_ERROR_STOP=1", "-d", &url, "-f"])
        .arg(fixtures().join("postgres.sql"))
        .output()
        .unwrap_or_else(|e| panic!("psql is needed to restore the fixture: {e}"));
    succeeded(&out);
    let dir = tempfile::tempdir().unwrap();
    let s = server(&url, dir.path(), &e, true);
    lists_as_before(&s.base, &e).await;
    answers_as_before(&s.base, &e).await;
}

/// The `data` list `url` answers `client` with.
async fn listed(client: &reqwest::Client, url: &str) -> Vec<Value> {
    let page: Value = client.get(url).send().await.unwrap().json().await.unwrap();
    page["data"].as_array().cloned().unwrap_or_default()
}

/// Each item's `name` field, sorted.
fn field_sorted<'a>(items: &'a [Value], name: &str) -> Vec<&'a str> {
    let mut values: Vec<&str> = items.iter().map(|i| i[name].as_str().unwrap()).collect();
    values.sort_unstable();
    values
}
