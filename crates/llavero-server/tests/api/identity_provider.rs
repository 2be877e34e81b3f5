//! A real OpenID provider for the tests — npm's certified `oidc-provider`,
//! run by `frontend/e2e/support/oidc-provider.mjs` (shared with the browser
//! tests) on a loopback port of its own — and a client that signs in
//! through it the way a browser does: Llavero's redirect, the provider's
//! sign-in form, its redirects, back to Llavero's callback.
//!
//! The provider is on `localhost`, Llavero on `127.0.0.1`: two sites, as in
//! production. Node and the npm packages are required; a missing one fails
//! the test with the reason (`just test` installs them).

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use reqwest::{Client, Url};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The test clients' secret (the script's `SECRET`).
pub const CLIENT_SECRET: &str = "llavero-test-client-secret-0123456789";
/// The groups value that makes an admin in these tests.
pub const ADMINS: &str = "llavero-admins";

/// A running provider; stopped when dropped.
pub struct Provider {
    /// `http://localhost:<port>`
    pub issuer: String,
    _child: Child,
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../frontend/e2e/support/oidc-provider.mjs")
}

impl Provider {
    /// Starts a provider with the script's default users (`ana`, an admin;
    /// `beto`, not) and `env` (`OIDC_CLAIMS_IN_ID_TOKEN`, …).
    pub async fn start(env: &[(&str, &str)]) -> Provider {
        let script = script();
        let modules = script
            .parent()
            .and_then(|p| p.parent())
            .and_then(|p| p.parent())
            .map(|f| f.join("node_modules/oidc-provider"));
        assert!(
            modules.as_ref().is_some_and(|m| m.is_dir()),
            "the test provider needs frontend/node_modules (cd frontend && npm ci)"
        );
        let mut child = Command::new("node")
            .arg(&script)
            .envs(env.iter().copied())
            // The provider exits when its stdin closes: a test that dies
            // takes it along.
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("starting the test provider with node: {e}"));
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let issuer = tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(line) = lines.next_line().await.expect("provider output") {
                if let Some(url) = line.strip_prefix("oidc-provider: listening on ") {
                    return url.trim().to_owned();
                }
            }
            panic!("the test provider exited before listening");
        })
        .await
        .expect("the test provider did not listen within 30 s");
        // Keep reading: a closed pipe would kill the provider at its next
        // line (it prints warnings on first use).
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Provider {
            issuer,
            _child: child,
        }
    }

    /// The issuer of a front that breaks ID tokens in `mode` (see the script).
    pub fn evil(&self, mode: &str) -> String {
        format!("{}/evil/{mode}", self.issuer)
    }

    /// Adds or changes the provider's user `login`.
    pub async fn put_user(&self, login: &str, password: &str, claims: Value) {
        let res = reqwest::Client::new()
            .put(format!("{}/test/users/{login}", self.issuer))
            .json(&json!({ "password": password, "claims": claims }))
            .send()
            .await
            .expect("test provider");
        assert_eq!(res.status(), 204, "changing the provider's user {login}");
    }

    /// Llavero's settings for signing in through `issuer` as `client_id`.
    pub fn settings<'a>(issuer: &'a str, client_id: &'a str) -> Vec<(&'a str, &'a str)> {
        vec![
            ("LLAVERO_OIDC_ISSUER", issuer),
            ("LLAVERO_OIDC_CLIENT_ID", client_id),
            ("LLAVERO_OIDC_CLIENT_SECRET", CLIENT_SECRET),
            ("LLAVERO_OIDC_NAME", "Test IdP"),
            ("LLAVERO_OIDC_SCOPES", "openid profile email groups"),
            ("LLAVERO_OIDC_ADMIN_VALUE", ADMINS),
        ]
    }
}

/// The `Location` of a redirect, resolved against `from`.
pub fn location(from: &str, res: &reqwest::Response) -> String {
    let raw = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("{} from {from} has no Location", res.status()));
    Url::parse(from)
        .and_then(|base| base.join(raw))
        .unwrap_or_else(|e| panic!("Location {raw}: {e}"))
        .to_string()
}

/// Starts a sign-in at Llavero (`api` is its `/api/v1`) and goes through
/// the provider's pages as `login`; returns the callback URL the provider
/// sends the browser back to (not yet followed), the flow cookie in
/// `client`'s jar.
pub async fn authorize(client: &Client, api: &str, login: &str, password: &str) -> String {
    let start = format!("{api}/auth/oidc/login");
    let res = client.get(&start).send().await.expect("oidc login");
    assert_eq!(res.status(), 302, "{start}");
    let mut url = location(&start, &res);
    for _ in 0..12 {
        if url.starts_with(api) {
            return url;
        }
        let res = client.get(&url).send().await.expect("provider");
        if res.status().is_redirection() {
            url = location(&url, &res);
            continue;
        }
        let page = res.text().await.expect("provider page");
        let action = page
            .split("action=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("no sign-in form at {url}: {page}"));
        let post = Url::parse(&url)
            .and_then(|u| u.join(action))
            .expect("form action");
        let res = client
            .post(post.clone())
            .form(&[("login", login), ("password", password)])
            .send()
            .await
            .expect("provider sign-in");
        assert!(
            res.status().is_redirection(),
            "signing in as {login} at the provider: {}",
            res.text().await.unwrap_or_default()
        );
        url = location(post.as_str(), &res);
    }
    panic!("the provider never sent the browser back to Llavero (last: {url})");
}

/// A whole sign-in as `login`: the callback's answer (303 and the session
/// cookie, when it works).
pub async fn sign_in(client: &Client, api: &str, login: &str, password: &str) -> reqwest::Response {
    let callback = authorize(client, api, login, password).await;
    client.get(&callback).send().await.expect("callback")
}
