//! `spawn_app()` and typed helpers: a real server on a real port, over a
//! fresh database per test — a SQLite file in its own directory, or its own
//! PostgreSQL database (created here, dropped when the test ends).
//!
//! PostgreSQL is never optional: when it cannot be reached the test fails
//! with the reason, it does not skip.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use llavero_app::configuration::LogFormat;
use llavero_server::startup::Application;
use llavero_types::{ActivityList, ApiKey, ApiKeyCreated, Role, User, UserResponse};
use reqwest::{Client, Response};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{json, Value};
use uuid::Uuid;

/// The database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs one async test body against each backend, as `<name>::sqlite` and
/// `<name>::postgres`.
#[macro_export]
macro_rules! api_test {
    ($(#[$meta:meta])* async fn $name:ident($app:ident) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn run($app: $crate::helpers::TestApp) $body
            #[tokio::test]
            async fn sqlite() {
                run($crate::helpers::spawn_app($crate::helpers::Backend::Sqlite).await).await
            }
            #[tokio::test]
            async fn postgres() {
                run($crate::helpers::spawn_app($crate::helpers::Backend::Postgres).await).await
            }
        }
    };
}

pub const ADMIN: &str = "admin";
/// The scope catalogue every test server declares.
pub const SCOPES: &str = "compute:read,compute:write,dns:edit";
pub const VERIFY_TOKEN: &str = "test-verify-token-0123456789abcdef";
pub const PG_PEPPER: &str = "test-pepper-for-postgres-0123456789abcdef";

/// Every log line of this test process, for the no-secrets-in-logs test.
#[derive(Clone, Default)]
pub struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl CapturedLogs {
    pub fn text(&self) -> String {
        self.0
            .lock()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }
}

impl Write for CapturedLogs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut b) = self.0.lock() {
            b.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs (once) a subscriber that keeps every debug-level line.
pub fn logs() -> &'static CapturedLogs {
    static LOGS: OnceLock<CapturedLogs> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = CapturedLogs::default();
        let writer = logs.clone();
        // Everything the server side logs at debug; the test's own HTTP
        // client (reqwest and its cookie jar) is not the product and logs
        // the cookies it receives, so it is left out.
        let filter = "debug,cookie_store=off,reqwest=off,hyper_util::client=off";
        llavero_server::telemetry::init(LogFormat::Text, filter, move || writer.clone());
        logs
    })
}

fn postgres_admin_url() -> String {
    std::env::var("LLAVERO_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// Creates database `llavero_test_<id>`; returns its URL and name.
async fn create_postgres_database(id: &str) -> (String, String) {
    let admin_url = postgres_admin_url();
    let name = format!("llavero_test_{id}");
    let db = Database::connect(&admin_url).await.unwrap_or_else(|e| {
        panic!(
            "PostgreSQL is required for the API tests and is unreachable at {admin_url}: {e}. \
             Start it (pg_ctlcluster --skip-systemctl-redirect 15 main start) or point \
             LLAVERO_TEST_POSTGRES_URL at one."
        )
    });
    db.execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap_or_else(|e| panic!("creating test database {name}: {e}"));
    let _ = db.close().await;
    let base = admin_url
        .rsplit_once('/')
        .map(|(b, _)| b)
        .unwrap_or(&admin_url);
    (format!("{base}/{name}"), name)
}

/// A fresh PostgreSQL database for tests that start their own servers;
/// dropped when the guard is.
pub async fn fresh_postgres() -> (String, impl Drop) {
    let id = Uuid::new_v4().simple().to_string();
    let (url, name) = create_postgres_database(&id).await;
    let dir = std::env::temp_dir().join(format!("llavero-test-{id}"));
    (
        url,
        Scratch {
            dir,
            pg_database: Some(name),
        },
    )
}

/// Removes the test's database (and directory) when the test ends, pass or fail.
pub struct Scratch {
    dir: PathBuf,
    pg_database: Option<String>,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some(name) = self.pg_database.take() {
            // Drop runs outside async: use a short-lived runtime of our own.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(rt) = rt {
                    rt.block_on(async {
                        if let Ok(db) = Database::connect(postgres_admin_url()).await {
                            let _ = db
                                .execute_unprepared(&format!(
                                    "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                                ))
                                .await;
                        }
                    });
                }
            })
            .join();
        }
    }
}

/// A running server and clients to call it with.
pub struct TestApp {
    pub backend: Backend,
    /// `http://127.0.0.1:<port>/api/v1`
    pub api: String,
    pub admin_password: String,
    pub database_url: String,
    /// The SQLite file, for the backend that has one.
    pub sqlite_path: Option<PathBuf>,
    /// The second listener's `/metrics` URL (`LLAVERO_METRICS_LISTEN`).
    pub metrics: Option<String>,
    handle: actix_web::dev::ServerHandle,
    _scratch: Option<Scratch>,
}

/// Waits until `base` (`http://127.0.0.1:PORT`) answers `/readyz`; fails after 30 s.
pub async fn wait_ready(base: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::time::Instant::now() < deadline {
        if reqwest::get(format!("{base}/readyz"))
            .await
            .is_ok_and(|res| res.status() == 200)
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{base} never became ready");
}

pub fn new_client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_else(|e| panic!("building an HTTP client: {e}"))
}

/// A fresh PostgreSQL database of the test's own: its URL, and the guard
/// that drops it.
pub async fn postgres_scratch() -> (String, Scratch) {
    let id = Uuid::new_v4().simple().to_string();
    let dir = std::env::temp_dir().join(format!("llavero-test-{id}"));
    let (url, name) = create_postgres_database(&id).await;
    (
        url,
        Scratch {
            dir,
            pg_database: Some(name),
        },
    )
}

/// Starts a server on a fresh database of `backend`.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, &[]).await
}

/// Like [`spawn_app`], with extra `LLAVERO_*` settings.
pub async fn spawn_app_with(backend: Backend, extra: &[(&str, &str)]) -> TestApp {
    logs();
    let id = Uuid::new_v4().simple().to_string();
    let dir = std::env::temp_dir().join(format!("llavero-test-{id}"));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
    let mut scratch = Scratch {
        dir: dir.clone(),
        pg_database: None,
    };

    let admin_password = format!("pw-{}", Uuid::new_v4().simple());
    let mut vars: HashMap<String, String> = HashMap::new();
    let (database_url, sqlite_path) = match backend {
        Backend::Sqlite => {
            let path = dir.join("llavero.db");
            (format!("sqlite://{}?mode=rwc", path.display()), Some(path))
        }
        Backend::Postgres => {
            let (url, name) = create_postgres_database(&id).await;
            scratch.pg_database = Some(name);
            vars.insert("LLAVERO_KEY_PEPPER".into(), PG_PEPPER.into());
            (url, None)
        }
    };
    common_vars(&mut vars, &database_url, &admin_password, extra);
    start(
        backend,
        vars,
        admin_password,
        database_url,
        sqlite_path,
        Some(scratch),
    )
    .await
}

/// Another server on `app`'s database (with its pepper), with extra
/// settings: a replica, sharing nothing but the database with `app`.
pub async fn spawn_replica(app: &TestApp, extra: &[(&str, &str)]) -> TestApp {
    let mut vars: HashMap<String, String> = HashMap::new();
    if app.backend == Backend::Postgres {
        vars.insert("LLAVERO_KEY_PEPPER".into(), PG_PEPPER.into());
    }
    common_vars(&mut vars, &app.database_url, &app.admin_password, extra);
    start(
        app.backend,
        vars,
        app.admin_password.clone(),
        app.database_url.clone(),
        app.sqlite_path.clone(),
        None,
    )
    .await
}

/// The settings every test server has, then `extra`.
fn common_vars(
    vars: &mut HashMap<String, String>,
    database_url: &str,
    admin_password: &str,
    extra: &[(&str, &str)],
) {
    vars.insert("LLAVERO_DATABASE_URL".into(), database_url.to_owned());
    vars.insert("LLAVERO_LISTEN".into(), "127.0.0.1:0".into());
    // Last uses are written in batches; flush often so tests wait little.
    vars.insert("LLAVERO_USAGE_FLUSH_MS".into(), "50".into());
    vars.insert("LLAVERO_VERIFY_TOKEN".into(), VERIFY_TOKEN.into());
    vars.insert("LLAVERO_ADMIN_USERNAME".into(), ADMIN.into());
    vars.insert("LLAVERO_ADMIN_PASSWORD".into(), admin_password.to_owned());
    vars.insert("LLAVERO_SCOPES".into(), SCOPES.into());
    // The tests' webhook receivers listen on loopback over plain http:
    // allowed here explicitly, as an operator would (the default refuses
    // both; `webhooks::by_default_webhooks_reach_only_public_https` checks it).
    vars.insert(
        "LLAVERO_WEBHOOK_ALLOW_NETWORKS".into(),
        "127.0.0.0/8".into(),
    );
    vars.insert("LLAVERO_WEBHOOK_ALLOW_HTTP".into(), "true".into());
    for (k, v) in extra {
        vars.insert((*k).into(), (*v).into());
    }
}

/// Builds and starts a server from `vars`.
async fn start(
    backend: Backend,
    vars: HashMap<String, String>,
    admin_password: String,
    database_url: String,
    sqlite_path: Option<PathBuf>,
    scratch: Option<Scratch>,
) -> TestApp {
    let settings = llavero_app::configuration::from_variables(vars)
        .unwrap_or_else(|e| panic!("test settings: {e}"));
    let app = Application::build(settings)
        .await
        .unwrap_or_else(|e| panic!("starting the server on {backend:?}: {e:#}"));
    let port = app.port();
    let metrics = app.metrics_address().map(|a| format!("http://{a}/metrics"));
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());

    TestApp {
        backend,
        api: format!("http://127.0.0.1:{port}/api/v1"),
        admin_password,
        database_url,
        sqlite_path,
        handle,
        metrics,
        _scratch: scratch,
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop accepting; the runtime ends with the test anyway.
        drop(self.handle.stop(false));
    }
}

/// Reads a JSON body, failing the test with the body when it is not JSON.
/// Fails with the command's stderr unless it exited 0.
pub fn succeeded(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub async fn json(res: Response) -> Value {
    let status = res.status();
    let text = res.text().await.unwrap_or_default();
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("status {status}: body is not JSON ({e}): {text}"))
}

/// A JSON body read as `T`.
pub async fn json_as<T: serde::de::DeserializeOwned>(res: Response) -> T {
    serde_json::from_value(json(res).await).unwrap_or_else(|e| panic!("{e}"))
}

/// Asserts a problem+json answer with `status` and stable `code`, whose
/// `request_id` equals its `x-request-id` header; returns its body.
pub async fn problem(res: Response, status: u16, code: &str) -> Value {
    assert_eq!(res.status().as_u16(), status, "unexpected status");
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    assert_eq!(header("content-type"), "application/problem+json");
    let request_id = header("x-request-id");
    assert!(!request_id.is_empty(), "no x-request-id header");
    let body = json(res).await;
    assert_eq!(body["status"], status, "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["request_id"], request_id.as_str(), "{body}");
    assert!(
        body["title"].is_string() && body["detail"].is_string(),
        "{body}"
    );
    body
}

impl TestApp {
    /// Runs `sql` on the test's own database (to set what the API cannot:
    /// past dates, say).
    pub async fn execute_sql(&self, sql: &str) {
        let db = Database::connect(&self.database_url)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        db.execute_unprepared(sql)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        db.close().await.unwrap_or_else(|e| panic!("{e}"));
    }

    /// `id` as an SQL literal of this backend's UUID column.
    pub fn id_sql(&self, id: Uuid) -> String {
        match self.backend {
            Backend::Postgres => format!("'{id}'"),
            Backend::Sqlite => format!("x'{}'", id.simple()),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.api)
    }

    /// Signs `client` in; returns the raw answer.
    pub async fn login_with(&self, client: &Client, username: &str, password: &str) -> Response {
        client
            .post(self.url("/auth/login"))
            .json(&json!({ "username": username, "password": password }))
            .send()
            .await
            .unwrap_or_else(|e| panic!("login request: {e}"))
    }

    /// A fresh client signed in as the bootstrap admin.
    pub async fn admin(&self) -> Client {
        let client = new_client();
        let res = self.login_with(&client, ADMIN, &self.admin_password).await;
        assert_eq!(res.status(), 200, "admin login failed");
        client
    }

    /// Creates a user through the admin API and returns it with a signed-in client.
    pub async fn user(&self, username: &str, role: Role) -> (User, Client) {
        let admin = self.admin().await;
        let password = format!("pw-of-{username}-123");
        let res = admin
            .post(self.url("/users"))
            .json(&json!({ "username": username, "password": password, "role": role }))
            .send()
            .await
            .unwrap_or_else(|e| panic!("create user: {e}"));
        assert_eq!(res.status(), 201, "creating user {username}");
        let user: UserResponse =
            serde_json::from_value(json(res).await).unwrap_or_else(|e| panic!("{e}"));
        let client = new_client();
        let res = self.login_with(&client, username, &password).await;
        assert_eq!(res.status(), 200, "login of {username}");
        (user.data, client)
    }

    /// Creates a key as `client`'s user; returns it and its secret.
    pub async fn create_key(&self, client: &Client, name: &str) -> (ApiKey, String) {
        let res = client
            .post(self.url("/api-keys"))
            .json(&json!({ "name": name }))
            .send()
            .await
            .unwrap_or_else(|e| panic!("create key: {e}"));
        assert_eq!(res.status(), 201, "creating key {name:?}");
        let created: ApiKeyCreated =
            serde_json::from_value(json(res).await).unwrap_or_else(|e| panic!("{e}"));
        (created.data, created.secret)
    }

    /// Creates a key from a full body; returns it and its secret.
    pub async fn create_key_with(&self, client: &Client, body: Value) -> (ApiKey, String) {
        let res = client
            .post(self.url("/api-keys"))
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("create key: {e}"));
        assert_eq!(res.status(), 201, "creating key {body}");
        let created: ApiKeyCreated =
            serde_json::from_value(json(res).await).unwrap_or_else(|e| panic!("{e}"));
        (created.data, created.secret)
    }

    /// The verify verdict's `code` for a full verify body.
    pub async fn verify_code_with(&self, body: Value) -> String {
        let res = self.verify(body).await;
        assert_eq!(res.status(), 200);
        json(res).await["data"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// `GET path` authenticated by `key` in `MC-Api-Key`, from a cookieless client.
    pub async fn get_with_key(&self, path: &str, key: &str) -> Response {
        Client::new()
            .get(self.url(path))
            .header("MC-Api-Key", key)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// `POST /verify` with the service token.
    pub async fn verify(&self, body: Value) -> Response {
        Client::new()
            .post(self.url("/verify"))
            .bearer_auth(VERIFY_TOKEN)
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("verify: {e}"))
    }

    /// The verify verdict's `code` for `key`.
    pub async fn verify_code(&self, key: &str) -> String {
        let res = self.verify(json!({ "key": key })).await;
        assert_eq!(res.status(), 200);
        json(res).await["data"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The caller's key list once `done` holds for it (last uses are written
    /// in batches, so they show up shortly after the use). Fails after 5 s.
    pub async fn list_keys_until(
        &self,
        client: &Client,
        done: impl Fn(&[ApiKey]) -> bool,
    ) -> Vec<ApiKey> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let keys = self.list_keys(client).await;
            if done(&keys) {
                return keys;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the list never showed it: {keys:?}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
    }

    /// The activity `client` may see, newest first (first 200 events).
    pub async fn events(&self, client: &Client) -> ActivityList {
        let res = client
            .get(self.url("/activity?limit=200"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 200);
        serde_json::from_value(json(res).await).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The caller's key list (first page).
    pub async fn list_keys(&self, client: &Client) -> Vec<ApiKey> {
        let res = client
            .get(self.url("/api-keys"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 200);
        serde_json::from_value(json(res).await["data"].clone()).unwrap_or_else(|e| panic!("{e}"))
    }
}

/// `base`'s `/metrics` exposition text.
async fn metrics_text(base: &str) -> String {
    reqwest::get(format!("{base}/metrics"))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .text()
        .await
        .unwrap_or_default()
}

/// The value of metric `name` (a line `name value`) at `base`'s `/metrics`.
pub async fn metric(base: &str, name: &str) -> u64 {
    let text = metrics_text(base).await;
    let prefix = format!("{name} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name} in:\n{text}"))
}

/// The value of metric `name{labels}` (`labels` as written between the
/// braces, e.g. `outcome="allowed"`) at `base`'s `/metrics`; 0 when absent.
pub async fn metric_labelled(base: &str, name: &str, labels: &str) -> u64 {
    let text = metrics_text(base).await;
    assert!(
        text.contains(&format!("# TYPE {name} ")),
        "no {name} in:\n{text}"
    );
    let prefix = format!("{name}{{{labels}}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}
