//! `/forward-auth[/…]`, any method, as the gateways call it.
//!
//! nginx and Caddy themselves are in `gateways`; Traefik and Envoy are not
//! packaged here, so their exact request shapes are sent directly (from
//! their documentation and source, cited in `docs/gateways.md`).

use std::time::{Duration, Instant};

use llavero_types::Role;
use reqwest::{Client, Method, Response};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::api_test;
use crate::helpers::{metric_labelled, problem, spawn_app_with, Backend, TestApp};

/// `method` on `path` (below `/api/v1`) with `key` in `MC-Api-Key`.
async fn forward(app: &TestApp, method: Method, path: &str, key: Option<&str>) -> Response {
    let mut req = Client::new().request(method, app.url(path));
    if let Some(key) = key {
        req = req.header("MC-Api-Key", key);
    }
    req.send().await.unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn header(res: &Response, name: &str) -> String {
    res.headers()
        .get(name)
        .map(|v| v.to_str().unwrap_or("(not text)").to_owned())
        .unwrap_or_default()
}

/// Asserts an allowed answer for `owner`'s key `key_id`: exactly 200, no body.
async fn assert_allowed(res: Response, owner: &str, role: &str, key_id: &str) {
    assert_eq!(res.status().as_u16(), 200, "{:?}", res.headers());
    assert_eq!(header(&res, "x-llavero-user"), owner);
    assert_eq!(header(&res, "x-llavero-role"), role);
    assert_eq!(header(&res, "x-llavero-key-id"), key_id);
    assert_eq!(header(&res, "x-llavero-scopes"), "*");
    assert_eq!(
        header(&res, "x-envoy-auth-headers-to-remove"),
        "mc-api-key, authorization"
    );
    assert_eq!(header(&res, "cache-control"), "no-store");
    assert!(header(&res, "x-llavero-user-id")
        .parse::<uuid::Uuid>()
        .is_ok());
    assert!(header(&res, "x-llavero-error").is_empty());
    // Only a gateway reads an allow: no browser headers to parse.
    assert!(header(&res, "content-security-policy").is_empty());
    let body = res.bytes().await.unwrap_or_else(|e| panic!("{e}"));
    assert!(body.is_empty(), "an allowed answer has no body: {body:?}");
}

/// Asserts a refusal: the problem answer, its code also in `X-Llavero-Error`.
async fn assert_refused(res: Response, status: u16, code: &str) {
    assert_eq!(header(&res, "x-llavero-error"), code);
    assert!(
        header(&res, "x-llavero-user").is_empty(),
        "a refusal names nobody"
    );
    // A refusal may reach a browser through the gateway: it is hardened.
    assert_eq!(header(&res, "x-content-type-options"), "nosniff");
    assert!(!header(&res, "content-security-policy").is_empty());
    if status == 401 {
        assert_eq!(header(&res, "www-authenticate"), "Bearer realm=\"llavero\"");
    }
    problem(res, status, code).await;
}

api_test! {
    async fn a_valid_key_is_allowed_with_its_identity_on_any_method_and_path(app) {
        let (user, client) = app.user("nadia", Role::User).await;
        let (key, secret) = app.create_key(&client, "Facturación: \"prod\" ñ").await;
        let id = key.id.to_string();
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "PROPFIND"] {
            for path in ["/forward-auth", "/forward-auth/", "/forward-auth/v1/servers/42?expand=true", "/forward-auth//a%20b/..;/c"] {
                let method = Method::from_bytes(method.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
                let res = forward(&app, method.clone(), path, Some(&secret)).await;
                assert_eq!(res.status(), 200, "{method} {path}");
                assert_allowed(res, &user.username, "user", &id).await;
            }
        }
        // Authorization: Bearer works the same, and the key's name is encoded.
        let res = Client::new().get(app.url("/forward-auth")).bearer_auth(&secret).send().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(header(&res, "x-llavero-key-name"), "Facturaci%C3%B3n%3A%20%22prod%22%20%C3%B1");
        assert_eq!(header(&res, "x-llavero-user-id"), user.id.to_string());
        assert_allowed(res, "nadia", "user", &id).await;
        // The role is the owner's role now.
        let admin = app.admin().await;
        admin.patch(app.url(&format!("/users/{}", user.id))).json(&json!({ "role": "admin" })).send().await.unwrap_or_else(|e| panic!("{e}"));
        assert_allowed(forward(&app, Method::GET, "/forward-auth", Some(&secret)).await, "nadia", "admin", &id).await;
        assert!(metric_labelled(&app.api.replace("/api/v1", ""), "llavero_forward_auth_total", "outcome=\"allowed\"").await >= 34);
    }
}

api_test! {
    async fn every_refusal_is_a_401_with_its_code(app) {
        let (user, client) = app.user("omar", Role::User).await;
        let (_, live) = app.create_key(&client, "live").await;
        let (revoked_key, revoked) = app.create_key(&client, "revoked").await;
        client.delete(app.url(&format!("/api-keys/{}", revoked_key.id))).send().await.unwrap_or_else(|e| panic!("{e}"));
        let soon = (chrono::Utc::now() + chrono::Duration::milliseconds(1500)).to_rfc3339();
        let res = client.post(app.url("/api-keys")).json(&json!({ "name": "short-lived", "expires_at": soon })).send().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 201);
        let expiring = crate::helpers::json(res).await["secret"].as_str().unwrap_or_default().to_owned();

        assert_refused(forward(&app, Method::GET, "/forward-auth", None).await, 401, "authentication_required").await;
        assert_refused(forward(&app, Method::GET, "/forward-auth/x", Some("mco_short")).await, 401, "key_malformed").await;
        assert_refused(forward(&app, Method::GET, "/forward-auth", Some("mco_0000000000000000000000000000004I186y")).await, 401, "key_unknown").await;
        assert_refused(forward(&app, Method::POST, "/forward-auth", Some(&revoked)).await, 401, "key_revoked").await;
        // Two different keys in the two headers authenticate nobody.
        let both = Client::new().get(app.url("/forward-auth")).header("MC-Api-Key", &live).bearer_auth(&revoked).send().await.unwrap_or_else(|e| panic!("{e}"));
        assert_refused(both, 401, "credentials_ambiguous").await;
        // A session cookie opens nothing here: a browser is not a key holder.
        let res = client.get(app.url("/forward-auth")).send().await.unwrap_or_else(|e| panic!("{e}"));
        assert_refused(res, 401, "authentication_required").await;

        tokio::time::sleep(Duration::from_millis(1600)).await;
        assert_refused(forward(&app, Method::GET, "/forward-auth", Some(&expiring)).await, 401, "key_expired").await;

        let admin = app.admin().await;
        admin.patch(app.url(&format!("/users/{}", user.id))).json(&json!({ "disabled": true })).send().await.unwrap_or_else(|e| panic!("{e}"));
        assert_refused(forward(&app, Method::DELETE, "/forward-auth/v1/x", Some(&live)).await, 401, "owner_disabled").await;
        admin.patch(app.url(&format!("/users/{}", user.id))).json(&json!({ "disabled": false })).send().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(forward(&app, Method::GET, "/forward-auth", Some(&live)).await.status(), 200);

        let base = app.api.replace("/api/v1", "");
        assert_eq!(metric_labelled(&base, "llavero_forward_auth_total", "outcome=\"key_revoked\"").await, 1);
        assert_eq!(metric_labelled(&base, "llavero_forward_auth_total", "outcome=\"authentication_required\"").await, 2);
    }
}

api_test! {
    async fn the_body_is_never_read_whatever_its_size(app) {
        let admin = app.admin().await;
        let (key, secret) = app.create_key(&admin, "uploads").await;
        let id = key.id.to_string();
        // 64 MiB: far above every body limit this server has.
        let big = vec![b'x'; 64 << 20];
        let started = Instant::now();
        let res = Client::new().put(app.url("/forward-auth/v1/objects/big.bin")).header("MC-Api-Key", &secret).header("content-type", "application/octet-stream").body(big).send().await;
        // The answer comes before the body is read.
        let res = res.unwrap_or_else(|e| panic!("{e}"));
        assert_allowed(res, "admin", "admin", &id).await;
        assert!(started.elapsed() < Duration::from_secs(20));
        // A chunked body that never ends: the answer comes all the same.
        let addr = app.api.trim_start_matches("http://").trim_end_matches("/api/v1").to_owned();
        let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap_or_else(|e| panic!("{e}"));
        let head = format!("POST /api/v1/forward-auth/v1/stream HTTP/1.1\r\nHost: {addr}\r\nMC-Api-Key: {secret}\r\nTransfer-Encoding: chunked\r\n\r\n");
        stream.write_all(head.as_bytes()).await.unwrap_or_else(|e| panic!("{e}"));
        stream.write_all(format!("10000\r\n{}\r\n", "y".repeat(0x10000)).as_bytes()).await.unwrap_or_else(|e| panic!("{e}"));
        let mut answer = vec![0u8; 4096];
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut answer)).await.unwrap_or_else(|_| panic!("no answer while the body is still coming")).unwrap_or_else(|e| panic!("{e}"));
        let answer = String::from_utf8_lossy(&answer[..n]).to_lowercase();
        assert!(answer.starts_with("http/1.1 200 ok\r\n"), "{answer}");
        assert!(answer.contains(&format!("x-llavero-key-id: {id}\r\n")), "{answer}");
        // And a body that claims to be JSON, malformed: never parsed.
        let res = Client::new().post(app.url("/forward-auth")).header("MC-Api-Key", &secret).header("content-type", "application/json").body("{not json").send().await.unwrap_or_else(|e| panic!("{e}"));
        assert_allowed(res, "admin", "admin", &id).await;
    }
}

/// The address recorded for `secret`'s use through a proxy at 127.0.0.1
/// that reports the client as `forwarded`, on a server that trusts `trusted`.
async fn recorded_ip(backend: Backend, trusted: &str, forwarded: &str) -> String {
    let app = spawn_app_with(backend, &[("LLAVERO_TRUSTED_PROXIES", trusted)]).await;
    let admin = app.admin().await;
    let (_, secret) = app.create_key(&admin, "behind-a-gateway").await;
    let res = Client::new()
        .get(app.url("/forward-auth/v1/things"))
        .header("MC-Api-Key", &secret)
        .header("X-Forwarded-For", forwarded)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status(), 200);
    let keys = app
        .list_keys_until(&admin, |l| l[0].last_used_ip.is_some())
        .await;
    keys[0].last_used_ip.clone().unwrap_or_default()
}

#[tokio::test]
async fn the_last_ip_is_the_gateways_client_only_from_a_trusted_proxy() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        assert_eq!(
            recorded_ip(backend, "127.0.0.1", "203.0.113.7").await,
            "203.0.113.7",
            "{backend:?}"
        );
        // A client's own forged entry on the left is not believed either.
        assert_eq!(
            recorded_ip(backend, "127.0.0.1/32", "6.6.6.6, 198.51.100.9").await,
            "198.51.100.9",
            "{backend:?}"
        );
        // An untrusted peer's header is ignored: the peer is the client.
        assert_eq!(
            recorded_ip(backend, "10.0.0.0/8", "203.0.113.7").await,
            "127.0.0.1",
            "{backend:?}"
        );
    }
}

api_test! {
    async fn traefiks_forward_auth_request_is_understood(app) {
        // Traefik (pkg/middlewares/auth/forward.go): always GET to the
        // configured address, no body, the client's headers copied, plus
        // X-Forwarded-{Method,Proto,Host,Uri,For}.
        let admin = app.admin().await;
        let (key, secret) = app.create_key(&admin, "traefik").await;
        let res = Client::new()
            .get(app.url("/forward-auth"))
            .header("Accept", "application/json")
            .header("User-Agent", "curl/8.5.0")
            .header("MC-Api-Key", &secret)
            .header("X-Forwarded-Method", "POST")
            .header("X-Forwarded-Proto", "https")
            .header("X-Forwarded-Host", "api.portal.example")
            .header("X-Forwarded-Uri", "/v1/servers?zone=eu")
            .header("X-Forwarded-For", "198.51.100.23")
            .header("X-Real-Ip", "198.51.100.23")
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_allowed(res, "admin", "admin", &key.id.to_string()).await;
    }
}

api_test! {
    async fn envoys_ext_authz_request_is_understood(app) {
        // Envoy's ext_authz HTTP service: the original method, path_prefix +
        // the original path, Content-Length 0 and no body, the allowed
        // headers (here authorization and x-forwarded-for).
        let admin = app.admin().await;
        let (key, secret) = app.create_key(&admin, "envoy").await;
        let res = Client::new()
            .delete(app.url("/forward-auth/v1/servers/42?force=true"))
            .header("Host", "api.portal.example")
            .header("Authorization", format!("Bearer {secret}"))
            .header("Content-Length", "0")
            .header("X-Forwarded-For", "198.51.100.24")
            .header("X-Envoy-Expected-Rq-Timeout-Ms", "250")
            .header("X-Request-Id", "0b0f8a4e-6d1a-4f0e-9a5c-1c2d3e4f5a6b")
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        // Envoy allows on exactly 200 and strips what this header names.
        assert_eq!(res.status().as_u16(), 200);
        assert_allowed(res, "admin", "admin", &key.id.to_string()).await;
        let res = Client::new().post(app.url("/forward-auth/v1/servers")).header("Content-Length", "0").header("Authorization", "Bearer mco_0000000000000000000000000000004I186y").send().await.unwrap_or_else(|e| panic!("{e}"));
        assert_refused(res, 401, "key_unknown").await;
    }
}

api_test! {
    async fn every_shipped_gateway_config_forwards_every_identity_header(app) {
        // The identity headers a live allow carries, against what each
        // configuration in docs/gateways copies onto the upstream request:
        // a header added here and forgotten there fails this test.
        let admin = app.admin().await;
        let (_, secret) = app.create_key(&admin, "configs").await;
        let res = forward(&app, Method::GET, "/forward-auth", Some(&secret)).await;
        assert_eq!(res.status(), 200);
        let identity: Vec<String> = res.headers().keys().map(|h| h.as_str().to_owned()).filter(|h| h.starts_with("x-llavero-")).collect();
        assert_eq!(identity.len(), 6, "{identity:?}");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/gateways");
        let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}")).to_lowercase();
        let (nginx, caddy, traefik, envoy) = (read("nginx.conf"), read("Caddyfile"), read("traefik.yml"), read("envoy.yaml"));
        for h in &identity {
            let var = format!("$upstream_http_{}", h.replace('-', "_"));
            assert!(nginx.contains(&var) && nginx.contains(&format!("proxy_set_header {h} ")), "nginx.conf does not forward {h}");
            let copy = caddy.lines().find(|l| l.trim_start().starts_with("copy_headers")).unwrap_or("");
            assert!(copy.split_whitespace().any(|w| w == h), "Caddyfile does not copy {h}");
            assert!(traefik.contains(&format!("- {h}\n")), "traefik.yml does not copy {h}");
        }
        assert!(envoy.contains("- prefix: x-llavero-"), "envoy.yaml does not copy the x-llavero- headers");
        // Each asks this endpoint, and passes the key and the client address.
        assert!(traefik.contains("/api/v1/forward-auth\"") && traefik.contains("trustforwardheader: false"));
        assert!(envoy.contains("path_prefix: /api/v1/forward-auth\n") && envoy.contains("- exact: mc-api-key") && envoy.contains("- exact: x-forwarded-for"));
        assert!(envoy.contains("status_on_error: { code: serviceunavailable }"));
        // And each keeps the key from the upstream.
        assert!(traefik.contains("mc-api-key: \"\"") && traefik.contains("authorization: \"\""));
        assert_eq!(header(&res, "x-envoy-auth-headers-to-remove"), "mc-api-key, authorization");
    }
}

api_test! {
    async fn scopes_travel_in_a_header_and_a_location_can_require_them(app) {
        let admin = app.admin().await;
        let (_, secret) = app.create_key_with(&admin, json!({ "name": "ro", "scopes": ["dns:edit", "compute:read"] })).await;
        let check = |scope_header: Option<&'static str>, query: &'static str| {
            let mut req = Client::new().get(app.url(&format!("/forward-auth/v1/vms{query}"))).header("MC-Api-Key", &secret);
            if let Some(h) = scope_header {
                req = req.header("X-Llavero-Require-Scope", h);
            }
            req.send()
        };
        let res = check(None, "").await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(header(&res, "x-llavero-scopes"), "compute:read dns:edit");
        for (h, q) in [(Some("compute:read"), ""), (None, "?scope=compute:read"), (None, "?scope=compute:read,dns:edit"), (Some("compute:read dns:edit"), "?scope=dns:edit")] {
            assert_eq!(check(h, q).await.unwrap().status(), 200, "{h:?} {q}");
        }
        // Every scope named, in either place, must be held: a client adding
        // its own header cannot lift the gateway's query (or the reverse).
        for (h, q) in [(Some("compute:write"), ""), (None, "?scope=compute:write"), (Some("compute:read"), "?scope=compute:write"), (Some("compute:write"), "?scope=compute:read"), (Some("llavero:manage"), "")] {
            assert_refused(check(h, q).await.unwrap(), 403, "scope_missing").await;
        }
        // A key with every privilege has every API scope.
        let (_, all) = app.create_key(&admin, "all").await;
        let res = Client::new().get(app.url("/forward-auth?scope=compute:write")).header("MC-Api-Key", &all).send().await.unwrap();
        assert_eq!(header(&res, "x-llavero-scopes"), "*");
        assert_eq!(res.status(), 200);
    }
}

/// A key limited to 203.0.113.0/24, checked through a trusted gateway.
async fn limited_through_a_gateway(backend: Backend) {
    let app = spawn_app_with(backend, &[("LLAVERO_TRUSTED_PROXIES", "127.0.0.1")]).await;
    let admin = app.admin().await;
    let (_, secret) = app
        .create_key_with(
            &admin,
            json!({ "name": "office", "allowed_cidrs": ["203.0.113.0/24"] }),
        )
        .await;
    let from = |ip: &'static str| {
        Client::new()
            .get(app.url("/forward-auth/v1/x"))
            .header("MC-Api-Key", &secret)
            .header("X-Forwarded-For", ip)
            .send()
    };
    assert_eq!(from("203.0.113.7").await.unwrap().status(), 200);
    assert_refused(from("198.51.100.1").await.unwrap(), 403, "ip_not_allowed").await;
    // The gateway's own address is not the client's.
    let direct = Client::new()
        .get(app.url("/forward-auth"))
        .header("MC-Api-Key", &secret)
        .send()
        .await
        .unwrap();
    assert_refused(direct, 403, "ip_not_allowed").await;
}

#[tokio::test]
async fn address_limits_apply_to_the_gateways_client() {
    limited_through_a_gateway(Backend::Sqlite).await;
    limited_through_a_gateway(Backend::Postgres).await;
}
