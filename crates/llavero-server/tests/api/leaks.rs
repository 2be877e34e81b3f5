//! Leaked-key intake: a GitHub-signed report revokes a live key within the
//! request and the owner sees why; bad signatures change nothing; the
//! operator's scanner (detect-secrets from PyPI with our plugin) finds a key
//! in a file and `/leaks` revokes it.

use std::path::PathBuf;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use llavero_types::Role;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use p256::pkcs8::{EncodePublicKey, LineEnding};
use reqwest::Client;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::helpers::{json, problem, spawn_app_with, succeeded, Backend, TestApp, VERIFY_TOKEN};
use crate::receiver::{of_key, Receiver};
use crate::webhooks::add_webhook;

const KEY_ID: &str = "90a421169f0a406205f1563a953312f0be898d3c7b6c06b681aa86a874555f4a";

fn signing_key(byte: u8) -> SigningKey {
    SigningKey::from_bytes(&[byte; 32].into()).unwrap()
}

/// GitHub's public-key document holding `key`'s public half.
fn key_document(key: &SigningKey) -> String {
    let pem = key
        .verifying_key()
        .to_public_key_pem(LineEnding::LF)
        .unwrap();
    json!({ "public_keys": [
        { "key_identifier": "old-key", "key": pem, "is_current": false },
        { "key_identifier": KEY_ID, "key": pem, "is_current": true },
    ]})
    .to_string()
}

async fn report(
    app: &TestApp,
    body: &str,
    key_id: Option<&str>,
    signature: Option<String>,
) -> reqwest::Response {
    let mut req = Client::new()
        .post(app.url("/leaks/github"))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(id) = key_id {
        req = req.header("Github-Public-Key-Identifier", id);
    }
    if let Some(sig) = signature {
        req = req.header("Github-Public-Key-Signature", sig);
    }
    req.send().await.unwrap()
}

fn sign(key: &SigningKey, body: &str) -> String {
    let sig: Signature = key.sign(body.as_bytes());
    B64.encode(sig.to_der().as_bytes())
}

fn sha256_hex(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn github_report_revokes_a_live_key(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("github-keys.json");
    let github = signing_key(7);
    std::fs::write(&keys, key_document(&github)).unwrap();
    let app = spawn_app_with(
        backend,
        &[("LLAVERO_GITHUB_SCANNING_KEYS", keys.to_str().unwrap())],
    )
    .await;
    let admin = app.admin().await;
    let receiver = Receiver::start(0, 0, None);
    let (_, secret) = add_webhook(
        &app,
        &admin,
        json!({ "url": receiver.url(), "events": ["key.leaked", "key.revoked"] }),
    )
    .await;
    receiver.set_secret(&secret).await;

    let (owner, client) = app.user("leaky", Role::User).await;
    let (key, leaked) = app.create_key(&client, "committed by mistake").await;
    let (other, other_secret) = app.create_key(&client, "safe").await;
    let where_ = "https://github.com/octo/app/blob/abc123/config.py";
    let body = json!([
        { "token": leaked, "type": "llavero_api_key", "url": where_, "source": "content" },
        { "token": "mco_not-a-real-key-at-all", "type": "llavero_api_key", "url": where_, "source": "content" },
    ])
    .to_string();

    // Unsigned, wrongly signed, signed by another key, or by an unknown
    // key id: 401 and nothing changes.
    let stranger = signing_key(9);
    for (id, sig) in [
        (None, None),
        (Some(KEY_ID), None),
        (Some(KEY_ID), Some("bm90IGEgc2lnbmF0dXJl".to_owned())),
        (Some(KEY_ID), Some(sign(&stranger, &body))),
        (Some("unknown-key"), Some(sign(&github, &body))),
        (Some(KEY_ID), Some(sign(&github, &format!("{body} ")))),
    ] {
        let res = report(&app, &body, id, sig).await;
        let p = problem(res, 401, "signature_invalid").await;
        assert!(
            !p.to_string().contains(&leaked),
            "a problem echoes the token"
        );
        assert_eq!(app.verify_code(&leaked).await, "VALID");
    }

    // Signed by GitHub: revoked before the answer.
    let res = report(&app, &body, Some(KEY_ID), Some(sign(&github, &body))).await;
    assert_eq!(res.status(), 200);
    let feedback = json(res).await;
    assert_eq!(
        feedback,
        json!([
            { "token_hash": sha256_hex(&leaked), "token_type": "llavero_api_key", "label": "true_positive" },
            { "token_hash": sha256_hex("mco_not-a-real-key-at-all"), "token_type": "llavero_api_key", "label": "false_positive" },
        ])
    );
    assert!(
        !feedback.to_string().contains(&leaked),
        "the answer never echoes a token"
    );
    assert_eq!(app.verify_code(&leaked).await, "REVOKED");
    assert_eq!(
        app.verify_code(&other_secret).await,
        "VALID",
        "only the leaked key"
    );
    let res = app.get_with_key("/me", &leaked).await;
    problem(res, 401, "key_revoked").await;

    // The owner sees why, in their own activity.
    let activity = app.events(&client).await;
    let why = activity
        .data
        .iter()
        .find(|e| e.action.as_str() == "api_key_leaked")
        .unwrap_or_else(|| panic!("the owner does not see the leak: {:?}", activity.data));
    assert_eq!(why.target_id, Some(key.id));
    assert!(why.actor.is_none());
    let detail = why.detail.as_deref().unwrap();
    assert!(
        detail.contains(where_)
            && detail.contains("GitHub secret scanning")
            && detail.contains("committed by mistake"),
        "{detail}"
    );

    // Reported again: still a true positive, nothing more happens.
    let res = report(&app, &body, Some(KEY_ID), Some(sign(&github, &body))).await;
    assert_eq!(json(res).await[0]["label"], "true_positive");

    let got = receiver
        .wait_for(Duration::from_secs(10), |g| g.len() >= 2)
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let k = key.id.to_string();
    let leak = of_key(&got, "key.leaked", &k);
    assert_eq!(leak.len(), 1, "{got:#?}");
    assert_eq!(leak[0]["body"]["data"]["url"], where_);
    assert_eq!(
        leak[0]["body"]["data"]["user_id"],
        owner.id.to_string().as_str()
    );
    assert_eq!(
        of_key(&got, "key.revoked", &k)[0]["body"]["data"]["reason"],
        "leaked"
    );
    assert_eq!(receiver.verified().len(), 2, "one leak, one revocation");
    assert!(of_key(&receiver.verified(), "key.leaked", &other.id.to_string()).is_empty());

    // A rolled key's previous secret, leaked in its grace: only it stops.
    let res = client
        .post(app.url(&format!("/api-keys/{}/roll", other.id)))
        .json(&json!({ "grace_seconds": 3600 }))
        .send()
        .await
        .unwrap();
    let rolled = json(res).await["secret"].as_str().unwrap().to_owned();
    assert_eq!(
        app.verify_code(&other_secret).await,
        "VALID",
        "in its grace"
    );
    let body =
        json!([{ "token": other_secret, "type": "llavero_api_key", "url": where_ }]).to_string();
    let res = report(&app, &body, Some(KEY_ID), Some(sign(&github, &body))).await;
    assert_eq!(json(res).await[0]["label"], "true_positive");
    assert_eq!(app.verify_code(&other_secret).await, "REVOKED");
    assert_eq!(
        app.verify_code(&rolled).await,
        "VALID",
        "the current secret keeps working"
    );
}

#[tokio::test]
async fn github_report_revokes_a_live_key_sqlite() {
    github_report_revokes_a_live_key(Backend::Sqlite).await;
}

#[tokio::test]
async fn github_report_revokes_a_live_key_postgres() {
    github_report_revokes_a_live_key(Backend::Postgres).await;
}

/// GitHub's key document from a URL: fetched once and kept.
#[tokio::test]
async fn github_keys_come_from_a_url() {
    let github = signing_key(11);
    let doc = key_document(&github);
    let fetches = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let counter = fetches.clone();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut buf = [0u8; 4096];
            let _ = sock.read(&mut buf).await;
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{doc}",
                doc.len()
            );
            let _ = sock.write_all(reply.as_bytes()).await;
        }
    });
    let url = format!("http://127.0.0.1:{port}/meta/public_keys/secret_scanning");
    let app = spawn_app_with(Backend::Sqlite, &[("LLAVERO_GITHUB_SCANNING_KEYS", &url)]).await;
    let admin = app.admin().await;
    let (_, leaked) = app.create_key(&admin, "leaked").await;
    let (_, second) = app.create_key(&admin, "second").await;
    for token in [&leaked, &second] {
        let body =
            json!([{ "token": token, "type": "llavero_api_key", "url": "https://github.com/x" }])
                .to_string();
        let res = report(&app, &body, Some(KEY_ID), Some(sign(&github, &body))).await;
        assert_eq!(json(res).await[0]["label"], "true_positive");
        assert_eq!(app.verify_code(token).await, "REVOKED");
    }
    assert_eq!(
        fetches.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "fetched once, then cached"
    );
}

#[tokio::test]
async fn github_intake_is_off_until_configured() {
    let app = spawn_app_with(Backend::Sqlite, &[]).await;
    let res = report(&app, "[]", Some(KEY_ID), Some("x".into())).await;
    // Off is absent (404), not an outage (503) that pages the operator.
    problem(res, 404, "not_configured").await;
}

/// The scanners' intake has a token of its own: without it the intake is
/// off, and the gateways' `/verify` token never revokes a key.
#[tokio::test]
async fn the_scanner_intake_takes_only_its_own_token() {
    let off = spawn_app_with(Backend::Sqlite, &[]).await;
    let admin = off.admin().await;
    let (_, key) = off.create_key(&admin, "seen by a gateway").await;
    let reported = json!([{ "token": key, "type": "llavero_api_key", "url": "https://example.com/x", "source": "gateway" }]);
    let res = Client::new()
        .post(off.url("/leaks"))
        .bearer_auth(VERIFY_TOKEN)
        .json(&reported)
        .send()
        .await
        .unwrap();
    problem(res, 404, "not_configured").await;
    assert_eq!(off.verify_code(&key).await, "VALID");
    drop(off);

    let app = spawn_app_with(Backend::Sqlite, &[("LLAVERO_LEAKS_TOKEN", LEAKS_TOKEN)]).await;
    let admin = app.admin().await;
    let (_, key) = app.create_key(&admin, "seen by a gateway").await;
    let reported = json!([{ "token": key, "type": "llavero_api_key", "url": "https://example.com/x", "source": "gateway" }]);
    for wrong in [VERIFY_TOKEN, "", "wrong-token-wrong-token-123"] {
        let res = Client::new()
            .post(app.url("/leaks"))
            .bearer_auth(wrong)
            .json(&reported)
            .send()
            .await
            .unwrap();
        problem(res, 401, "service_token_invalid").await;
    }
    assert_eq!(
        app.verify_code(&key).await,
        "VALID",
        "the verify token revoked nothing"
    );
    let res = Client::new()
        .post(app.url("/leaks"))
        .bearer_auth(LEAKS_TOKEN)
        .json(&reported)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(app.verify_code(&key).await, "REVOKED");
}

const LEAKS_TOKEN: &str = "test-leaks-token-0123456789abcdef";

fn venv_bin(name: &str) -> PathBuf {
    let bin = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/ci-venv/bin")
        .join(name);
    assert!(
        bin.is_file(),
        "{} is missing: run `just setup`",
        bin.display()
    );
    bin
}

/// A real scanner finds a key in a file; the operator's intake revokes it.
#[tokio::test]
async fn detect_secrets_finds_a_key_and_the_intake_revokes_it() {
    let app = spawn_app_with(Backend::Sqlite, &[("LLAVERO_LEAKS_TOKEN", LEAKS_TOKEN)]).await;
    let admin = app.admin().await;
    let (_, key) = app.create_key(&admin, "in a config file").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("settings.py");
    std::fs::write(
        &file,
        format!("DEBUG = False\n# the portal's key\nPORTAL_KEY = \"{key}\"\nNOT_A_KEY = \"mco_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"\n"),
    )
    .unwrap();
    let plugin = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/scanners/detect_secrets_llavero.py");
    let out = std::process::Command::new(venv_bin("detect-secrets"))
        .current_dir(dir.path())
        .args([
            "scan",
            "--disable-filter",
            "detect_secrets.filters.heuristic.is_likely_id_string",
        ])
        .arg("--plugin")
        .arg(&plugin)
        .arg("settings.py")
        .output()
        .unwrap();
    succeeded(&out);
    let scan: Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<&Value> = scan["results"]["settings.py"]
        .as_array()
        .unwrap_or_else(|| panic!("nothing found: {scan:#}"))
        .iter()
        .filter(|r| r["type"] == "Llavero API key")
        .collect();
    assert_eq!(
        found.len(),
        1,
        "the real key only (the checksum rules the other out): {scan:#}"
    );
    assert_eq!(found[0]["line_number"], 3);
    // detect-secrets reports a SHA-1 of what it found: it is our key.
    let line = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .nth(2)
        .unwrap()
        .to_owned();
    let token = line.split('"').nth(1).unwrap().to_owned();
    let sha1 = std::process::Command::new("python3")
        .args([
            "-c",
            "import hashlib,sys; print(hashlib.sha1(sys.argv[1].encode()).hexdigest())",
            &token,
        ])
        .output()
        .unwrap();
    assert_eq!(
        found[0]["hashed_secret"],
        String::from_utf8_lossy(&sha1.stdout).trim()
    );

    let res = Client::new()
        .post(app.url("/leaks"))
        .bearer_auth(LEAKS_TOKEN)
        .json(&json!([{ "token": token, "type": "llavero_api_key", "url": format!("file://{}", file.display()), "source": "detect-secrets" }]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(json(res).await["data"][0]["label"], "true_positive");
    assert_eq!(app.verify_code(&key).await, "REVOKED");

    let res = Client::new()
        .post(app.url("/leaks"))
        .bearer_auth("wrong-token-wrong-token-123")
        .json(&json!([]))
        .send()
        .await
        .unwrap();
    problem(res, 401, "service_token_invalid").await;
}
