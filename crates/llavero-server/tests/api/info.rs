//! `GET /info`, `/openapi.json` and unknown routes.

use crate::api_test;
use crate::helpers::{json, problem, spawn_app_with, Backend};

api_test! {
    async fn info_is_public_and_names_the_api_endpoint(app) {
        let res = reqwest::get(app.url("/info")).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 200);
        let body = json(res).await;
        assert_eq!(body["data"]["api_endpoint"], app.api);
        assert_eq!(body["data"]["brand"], "Llavero");
        assert_eq!(body["data"]["version"], env!("CARGO_PKG_VERSION"));
    }
}

#[tokio::test]
async fn the_shown_endpoint_is_the_portals_while_links_stay_llaveros() {
    let app = spawn_app_with(
        Backend::Sqlite,
        &[("LLAVERO_API_ENDPOINT", "https://api.portal.example/v1/")],
    )
    .await;
    let body = json(
        reqwest::get(app.url("/info"))
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    )
    .await;
    assert_eq!(
        body["data"]["api_endpoint"],
        "https://api.portal.example/v1"
    );
    // What Llavero itself serves is still found at Llavero's own address.
    let admin = app.admin().await;
    let res = admin
        .post(app.url("/api-keys"))
        .json(&serde_json::json!({ "name": "k" }))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status(), 201);
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert!(
        location.starts_with(&format!("{}/api-keys/", app.api)),
        "{location}"
    );
    assert_eq!(
        admin
            .get(location)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .status(),
        200
    );
}

api_test! {
    async fn unknown_routes_answer_a_problem_with_a_request_id(app) {
        let res = reqwest::get(app.url("/nothing-here")).await.unwrap_or_else(|e| panic!("{e}"));
        assert!(res.headers().contains_key("x-request-id"));
        problem(res, 404, "not_found").await;
    }
}

#[tokio::test]
async fn the_web_app_is_served_beside_the_api_with_a_fallback_for_its_routes() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    std::fs::write(
        dir.join("index.html"),
        "<!doctype html><title>app shell</title>",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("app.js"), "console.log(1)").unwrap_or_else(|e| panic!("{e}"));
    let web_dir = dir.display().to_string();
    let app = spawn_app_with(Backend::Sqlite, &[("LLAVERO_WEB_DIR", web_dir.as_str())]).await;
    let root = app.api.trim_end_matches("/api/v1").to_owned();
    for path in ["/", "/credentials", "/login"] {
        let res = reqwest::get(format!("{root}{path}"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 200, "{path}");
        assert!(
            res.text().await.unwrap_or_default().contains("app shell"),
            "{path}"
        );
    }
    let js = reqwest::get(format!("{root}/app.js"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(js.text().await.unwrap_or_default(), "console.log(1)");
    // The API keeps its own answers: JSON problems, not the app shell.
    problem(
        reqwest::get(app.url("/no-such-route"))
            .await
            .unwrap_or_else(|e| panic!("{e}")),
        404,
        "not_found",
    )
    .await;
    assert_eq!(
        json(
            reqwest::get(format!("{root}/healthz"))
                .await
                .unwrap_or_else(|e| panic!("{e}"))
        )
        .await["status"],
        "ok"
    );
    assert_eq!(
        json(
            reqwest::get(format!("{root}/readyz"))
                .await
                .unwrap_or_else(|e| panic!("{e}"))
        )
        .await["status"],
        "ready"
    );
}

api_test! {
    async fn metrics_count_requests_verify_outcomes_and_keys(app) {
        let admin = app.admin().await;
        let (key, secret) = app.create_key(&admin, "metered").await;
        app.verify_code(&secret).await;
        app.verify_code("mco_bad").await;
        admin.delete(app.url(&format!("/api-keys/{}", key.id))).send().await.unwrap_or_else(|e| panic!("{e}"));
        let root = app.api.trim_end_matches("/api/v1").to_owned();
        let res = reqwest::get(format!("{root}/metrics")).await.unwrap_or_else(|e| panic!("{e}"));
        assert!(res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").starts_with("text/plain"));
        let text = res.text().await.unwrap_or_default();
        for line in [
            "llavero_verify_total{code=\"VALID\"} 1",
            "llavero_verify_total{code=\"MALFORMED\"} 1",
            "llavero_api_keys_created_total 1",
            "llavero_api_keys_revoked_total 1",
            "llavero_http_requests_total{method=\"POST\",route=\"/api/v1/api-keys\",status=\"201\"} 1",
            "llavero_http_requests_total{method=\"DELETE\",route=\"/api/v1/api-keys/{id}\",status=\"204\"} 1",
            "llavero_http_request_duration_seconds_count{route=\"/api/v1/verify\"} 2",
            "llavero_db_pool_connections{state=\"idle\"}",
        ] {
            assert!(text.contains(line), "missing {line:?} in\n{text}");
        }
        assert!(!text.contains(&secret[4..]));
    }
}

/// With a second listener, metrics are there and nowhere on the main one;
/// without it, a metrics token guards them on the main listener.
#[tokio::test]
async fn metrics_are_for_the_operator_only() {
    let app = spawn_app_with(
        Backend::Sqlite,
        &[("LLAVERO_METRICS_LISTEN", "127.0.0.1:0")],
    )
    .await;
    let root = app.api.trim_end_matches("/api/v1").to_owned();
    let res = reqwest::get(format!("{root}/metrics")).await.unwrap();
    assert_eq!(res.status(), 404, "the main listener serves no metrics");
    let elsewhere = app.metrics.clone().expect("the second listener's URL");
    assert_ne!(elsewhere, format!("{root}/metrics"));
    let res = reqwest::get(&elsewhere).await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("llavero_http_requests_total"));
    // The second listener serves nothing else.
    let other = elsewhere.replace("/metrics", "/api/v1/info");
    assert_eq!(reqwest::get(&other).await.unwrap().status(), 404);
    drop(app);

    let token = "metrics-token-0123456789abcdef";
    let app = spawn_app_with(Backend::Sqlite, &[("LLAVERO_METRICS_TOKEN", token)]).await;
    let url = format!("{}/metrics", app.api.trim_end_matches("/api/v1"));
    let client = reqwest::Client::new();
    for wrong in [None, Some("wrong-token-0123456789abcdef"), Some("")] {
        let mut req = client.get(&url);
        if let Some(w) = wrong {
            req = req.bearer_auth(w);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 401, "{wrong:?}");
        assert!(
            !res.text().await.unwrap().contains("llavero_"),
            "no metric leaks with the refusal"
        );
    }
    let res = client.get(&url).bearer_auth(token).send().await.unwrap();
    assert_eq!(res.status(), 200);
}
