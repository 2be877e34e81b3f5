//! No secret reaches the database or the logs in plain text.
//!
//! Drives every path that handles a secret (key creation and use by both
//! headers, verify, forward-auth, sign-in, user creation, password changes by an admin and
//! by the user), then scans the
//! SQLite file (and its WAL) byte for byte, every row of every PostgreSQL
//! table as text, and every log line this process captured at debug level.

use llavero_types::Role;
use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::json;

use crate::api_test;
use crate::helpers::{json, logs, Backend, PG_PEPPER, VERIFY_TOKEN};

api_test! {
    async fn no_secret_reaches_the_database_or_the_logs(app) {
        let (user, client) = app.user("mara", Role::User).await;
        let (key, secret) = app.create_key(&client, "scan-me").await;
        assert_eq!(app.get_with_key("/me", &secret).await.status(), 200);
        let bearer = reqwest::Client::new().get(app.url("/api-keys")).bearer_auth(&secret).send().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(bearer.status(), 200);
        assert_eq!(json(app.verify(json!({ "key": secret, "client_ip": "198.51.100.1" })).await).await["data"]["code"], "VALID");
        let gateway = reqwest::Client::new().post(app.url("/forward-auth/v1/x")).header("MC-Api-Key", &secret).send().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(gateway.status(), 200);
        let answer = format!("{:?}", gateway.headers());
        assert!(!answer.contains(&secret[4..36]), "forward-auth echoes the key: {answer}");
        let refused = reqwest::Client::new().get(app.url("/forward-auth")).bearer_auth(format!("{}x", &secret)).send().await.unwrap_or_else(|e| panic!("{e}"));
        let refused_headers = format!("{:?}", refused.headers());
        let refused = format!("{refused_headers} {}", refused.text().await.unwrap_or_default());
        assert!(!refused.contains(&secret[4..36]), "a forward-auth refusal echoes the key: {refused}");
        // A secret in the wrong place must not be echoed in an error either.
        let misplaced = client.post(app.url("/api-keys")).json(&json!({ "name": 1, "expires_at": secret })).send().await.unwrap_or_else(|e| panic!("{e}"));
        let misplaced = misplaced.text().await.unwrap_or_default();
        assert!(!misplaced.contains(&secret), "error body echoes the key: {misplaced}");
        let admin = app.admin().await;
        let new_password = "rotated-password-for-mara";
        admin.patch(app.url(&format!("/users/{}", user.id))).json(&json!({ "password": new_password })).send().await.unwrap_or_else(|e| panic!("{e}"));
        let session = {
            let res = app.login_with(&crate::helpers::new_client(), "mara", new_password).await;
            let cookie = res.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
            cookie.split(';').next().and_then(|p| p.split_once('=')).map(|(_, v)| v.to_owned()).unwrap_or_default()
        };
        assert_eq!(session.len(), 64);
        // The user changes their own password (a wrong try first).
        let mara = crate::helpers::new_client();
        app.login_with(&mara, "mara", new_password).await;
        let own_password = "mara-chose-this-one";
        let wrong = mara.post(app.url("/me/password")).json(&json!({ "current_password": "not-her-password", "new_password": own_password })).send().await.unwrap_or_else(|e| panic!("{e}"));
        let wrong = wrong.text().await.unwrap_or_default();
        assert!(!wrong.contains("not-her-password") && !wrong.contains(own_password), "error body echoes a password: {wrong}");
        let res = mara.post(app.url("/me/password")).json(&json!({ "current_password": new_password, "new_password": own_password })).send().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 204);

        // A roll: the new secret is as secret as the first, and both are
        // used while the grace runs.
        let rolled = mara.post(app.url(&format!("/api-keys/{}/roll", key.id))).json(&json!({ "grace_seconds": 60 })).send().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rolled.status(), 201);
        let rolled = crate::helpers::json(rolled).await;
        let rolled_hint = rolled["data"]["hint"].as_str().unwrap_or_default().to_owned();
        let rolled = rolled["secret"].as_str().unwrap_or_default().to_owned();
        assert_ne!(rolled_hint, key.hint);
        assert_eq!(app.get_with_key("/me", &rolled).await.status(), 200);
        let old = app.get_with_key("/me", &secret).await;
        assert_eq!(old.status(), 200, "{}", old.text().await.unwrap_or_default());
        // A webhook: its signing secret is shown once, never stored, and
        // its deliveries (to a receiver holding a token in its URL path)
        // carry no secret.
        let admin = app.admin().await;
        let hook = admin
            .post(app.url("/webhooks"))
            .json(&json!({ "url": "http://127.0.0.1:9/hooks/scan-me-hook-path" }))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(hook.status(), 201);
        let webhook_secret = crate::helpers::json(hook).await["secret"].as_str().unwrap_or_default().to_owned();
        assert!(webhook_secret.starts_with("whsec_"));
        let (_, doomed) = app.create_key(&admin, "leaked-for-the-scan").await;
        let leak = reqwest::Client::new()
            .post(app.url("/leaks"))
            .bearer_auth(VERIFY_TOKEN)
            .json(&json!([{ "token": doomed, "url": "https://example.com/leak" }]))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let leak = leak.text().await.unwrap_or_default();
        assert!(!leak.contains(&doomed), "the leak answer echoes the key: {leak}");
        let mut secrets: Vec<(&str, String)> = vec![
            ("webhook secret", webhook_secret.clone()),
            ("webhook secret bytes", webhook_secret["whsec_".len()..].to_owned()),
            ("leaked key", doomed.clone()),
            ("API key", secret.clone()),
            ("rolled API key", rolled.clone()),
            ("rolled API key body", rolled[4..36].to_owned()),
            ("API key body", secret[4..36].to_owned()),
            ("user password", "pw-of-mara-123".to_owned()),
            ("new password", new_password.to_owned()),
            ("own new password", "mara-chose-this-one".to_owned()),
            ("wrong current password", "not-her-password".to_owned()),
            ("admin password", app.admin_password.clone()),
            ("session token", session.clone()),
            ("verify token", VERIFY_TOKEN.to_owned()),
            ("pepper", PG_PEPPER.to_owned()),
        ];
        if let Some(db) = &app.sqlite_path {
            let pepper_file = db.with_file_name("llavero.pepper");
            let pepper = std::fs::read_to_string(&pepper_file).unwrap_or_else(|e| panic!("{}: {e}", pepper_file.display()));
            assert_eq!(pepper.trim().len(), 64);
            secrets.push(("generated pepper", pepper.trim().to_owned()));
        }

        let stored = match app.backend {
            Backend::Sqlite => {
                let path = app.sqlite_path.clone().unwrap_or_default();
                let mut bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                bytes.extend(std::fs::read(path.with_extension("db-wal")).unwrap_or_default());
                assert!(bytes.windows(7).any(|w| w == b"scan-me"), "the scan does not see the database content");
                String::from_utf8_lossy(&bytes).into_owned()
            }
            Backend::Postgres => {
                let db = Database::connect(&app.database_url).await.unwrap_or_else(|e| panic!("{e}"));
                let mut dump = String::new();
                for table in ["users", "api_keys", "sessions", "activity", "throttle", "webhook_endpoints", "webhook_events", "webhook_deliveries", "api_key_usage_days", "api_key_addresses"] {
                    let rows = db
                        .query_all(Statement::from_string(db.get_database_backend(), format!("SELECT row_to_json(t)::text AS j FROM {table} t")))
                        .await
                        .unwrap_or_else(|e| panic!("{e}"));
                    for row in rows {
                        dump.push_str(&row.try_get::<String>("", "j").unwrap_or_default());
                        dump.push('\n');
                    }
                }
                db.close().await.unwrap_or_else(|e| panic!("{e}"));
                assert!(dump.contains("scan-me") && dump.contains(&rolled_hint) && dump.contains("scan-me-hook-path"), "the dump does not see the rows");
                dump
            }
        };
        let logged = logs().text();
        assert!(logged.contains("llavero"), "no logs were captured: the scan would prove nothing");
        for (what, value) in &secrets {
            assert!(!stored.contains(value.as_str()), "{what} found in the database");
            let line = logged.lines().find(|l| l.contains(value.as_str())).unwrap_or("");
            assert!(!logged.contains(value.as_str()), "{what} found in the logs: {line}");
        }
    }
}
