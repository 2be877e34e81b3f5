//! Bad input gets a clear problem+json answer and changes nothing.

use serde_json::json;

use crate::api_test;
use crate::helpers::problem;

api_test! {
    async fn bad_key_bodies_are_refused_and_create_nothing(app) {
        let admin = app.admin().await;
        let long = "x".repeat(101);
        let huge = format!("{{\"name\": \"{}\"}}", "y".repeat(20_000));
        let cases: Vec<(&str, String, &str, u16, &str)> = vec![
            ("empty name", json!({ "name": "" }).to_string(), "application/json", 422, "name_invalid"),
            ("blank name", json!({ "name": "   \t " }).to_string(), "application/json", 422, "name_invalid"),
            ("101 chars", json!({ "name": long }).to_string(), "application/json", 422, "name_invalid"),
            ("missing name", json!({}).to_string(), "application/json", 422, "invalid_input"),
            ("name not a string", json!({ "name": 42 }).to_string(), "application/json", 422, "invalid_input"),
            ("control char", json!({ "name": "a\u{7}b" }).to_string(), "application/json", 422, "name_invalid"),
            ("malformed JSON", "{\"name\": ".to_owned(), "application/json", 400, "body_malformed"),
            ("not JSON at all", "name=backup".to_owned(), "application/json", 400, "body_malformed"),
            ("wrong content type", json!({ "name": "ok" }).to_string(), "text/plain", 415, "media_type_unsupported"),
            ("form content type", "name=ok".to_owned(), "application/x-www-form-urlencoded", 415, "media_type_unsupported"),
            ("oversized body", huge, "application/json", 413, "body_too_large"),
        ];
        for (what, body, content_type, status, code) in cases {
            let res = admin
                .post(app.url("/api-keys"))
                .header("content-type", content_type)
                .body(body)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(res.status().as_u16(), status, "{what}");
            problem(res, status, code).await;
        }
        assert!(app.list_keys(&admin).await.is_empty(), "a bad request created a key");
        let hundred = "ñ".repeat(100);
        let (key, _) = app.create_key(&admin, &hundred).await;
        assert_eq!(key.name.chars().count(), 100);
    }
}

api_test! {
    async fn bad_renames_are_refused_and_keep_the_old_name(app) {
        let admin = app.admin().await;
        let (key, _) = app.create_key(&admin, "keep-me").await;
        let path = app.url(&format!("/api-keys/{}", key.id));
        for (body, code) in [(json!({ "name": "" }), "name_invalid"), (json!({ "name": "  " }), "name_invalid"), (json!({ "name": "z".repeat(101) }), "name_invalid"), (json!({ "nombre": "x" }), "invalid_input")] {
            problem(admin.patch(&path).json(&body).send().await.unwrap_or_else(|e| panic!("{e}")), 422, code).await;
        }
        problem(admin.patch(&path).header("content-type", "application/json").body("{").send().await.unwrap_or_else(|e| panic!("{e}")), 400, "body_malformed").await;
        assert_eq!(app.list_keys(&admin).await[0].name, "keep-me");
    }
}

api_test! {
    async fn unknown_and_malformed_ids_and_pages(app) {
        let admin = app.admin().await;
        let unknown = uuid::Uuid::new_v4();
        problem(admin.get(app.url(&format!("/api-keys/{unknown}"))).send().await.unwrap_or_else(|e| panic!("{e}")), 404, "not_found").await;
        problem(admin.patch(app.url(&format!("/api-keys/{unknown}"))).json(&json!({ "name": "x" })).send().await.unwrap_or_else(|e| panic!("{e}")), 404, "not_found").await;
        problem(admin.delete(app.url(&format!("/api-keys/{unknown}"))).send().await.unwrap_or_else(|e| panic!("{e}")), 404, "not_found").await;
        for bad in ["/api-keys/not-a-uuid", "/api-keys/123", "/users/zzz"] {
            problem(admin.get(app.url(bad)).send().await.unwrap_or_else(|e| panic!("{e}")), 400, "path_malformed").await;
        }
        for (bad, code) in [("/api-keys?limit=0", "query_malformed"), ("/api-keys?limit=201", "query_malformed"), ("/api-keys?limit=abc", "query_malformed"), ("/api-keys?cursor=nope", "cursor_invalid"), ("/activity?limit=-1", "query_malformed")] {
            problem(admin.get(app.url(bad)).send().await.unwrap_or_else(|e| panic!("{e}")), 400, code).await;
        }
    }
}

api_test! {
    async fn anonymous_and_expired_sessions_get_401(app) {
        let anon = reqwest::Client::new();
        for path in ["/me", "/api-keys", "/activity", "/users"] {
            let res = anon.get(app.url(path)).send().await.unwrap_or_else(|e| panic!("{e}"));
            assert!(res.headers().contains_key("www-authenticate"));
            problem(res, 401, "authentication_required").await;
        }
        let res = anon.post(app.url("/api-keys")).json(&json!({ "name": "x" })).send().await.unwrap_or_else(|e| panic!("{e}"));
        problem(res, 401, "authentication_required").await;
        let forged = anon.get(app.url("/me")).header("cookie", "llavero_session=deadbeef").send().await.unwrap_or_else(|e| panic!("{e}"));
        problem(forged, 401, "session_expired").await;
    }
}

api_test! {
    async fn undeclared_methods_on_known_paths_are_405_with_allow(app) {
        // Found by schemathesis: TRACE on a documented path answered 404.
        let c = reqwest::Client::new();
        for (method, path, allow) in [
            ("TRACE", "/info", "GET"),
            ("PUT", "/api-keys", "GET, POST"),
            ("POST", &format!("/api-keys/{}", uuid::Uuid::new_v4()) as &str, "GET, PATCH, DELETE"),
        ] {
            let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap_or(reqwest::Method::GET);
            let res = c.request(m, app.url(path)).send().await.unwrap_or_else(|e| panic!("{e}"));
            let got = res.headers().get("allow").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
            let mut got: Vec<&str> = got.split(", ").collect();
            let mut want: Vec<&str> = allow.split(", ").collect();
            got.sort_unstable();
            want.sort_unstable();
            assert_eq!(got, want, "{method} {path}");
            problem(res, 405, "method_not_allowed").await;
        }
        problem(c.get(app.url("/no/such/path")).send().await.unwrap_or_else(|e| panic!("{e}")), 404, "not_found").await;
    }
}

api_test! {
    async fn long_multibyte_passwords_are_measured_in_characters(app) {
        // Found by schemathesis: the document says 1024 characters, the
        // server counted bytes.
        let admin = app.admin().await;
        let ok = "ñ".repeat(1024);
        let res = admin.post(app.url("/users")).json(&json!({ "username": "multi", "password": ok })).send().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 201);
        let too_long = "ñ".repeat(1025);
        let res = admin.post(app.url("/users")).json(&json!({ "username": "multi2", "password": too_long })).send().await.unwrap_or_else(|e| panic!("{e}"));
        problem(res, 422, "password_invalid").await;
    }
}
