//! Real gateways in front of a real upstream: nginx (`auth_request`) and
//! Caddy (`forward_auth`), from Debian's packages, each running the very
//! configuration file `docs/gateways.md` tells operators to copy.
//!
//! Each test starts Llavero, an upstream that echoes the request it got,
//! and the gateway, all on loopback ports; the test client calls from
//! 127.0.0.2 (its own loopback address) so the address the gateway reports
//! is told apart from the gateway's own (127.0.0.1, the one trusted proxy).
//! A missing gateway binary fails the test with how to install it.

use std::net::{IpAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use reqwest::{Client, Response};
use serde_json::{json, Value};

use crate::helpers::{json, spawn_app_with, TestApp};

/// Where the test client calls from.
const CLIENT_IP: &str = "127.0.0.2";

/// The shipped configurations.
fn config_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/gateways")
        .join(name)
}

/// `text` with `from` replaced by `to`, failing when `from` is not there
/// (the shipped file changed under the test).
fn substitute(text: &str, from: &str, to: &str) -> String {
    assert!(
        text.contains(from),
        "the shipped configuration no longer contains {from:?}"
    );
    text.replace(from, to)
}

/// A port for a gateway, which cannot report a port the OS chose: one
/// below the kernel's ephemeral range, which no `bind(0)` and no outgoing
/// connection of another test can hold. Two gateways drawing the same one
/// is a bind error, and [`start`] draws again (never a "free port" probe,
/// whose port another test can take before the gateway binds it).
fn gateway_port() -> u16 {
    let range =
        std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").unwrap_or_default();
    let low: u32 = range
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(32768);
    assert!(
        low > 12_000,
        "the ephemeral port range starts at {low}: no room below it for the gateways"
    );
    let span = low - 10_000;
    (10_000 + (uuid::Uuid::new_v4().as_u128() % u128::from(span)) as u32) as u16
}

/// The upstream API: answers every request with what it received, and
/// counts them.
struct Upstream {
    addr: String,
    seen: Arc<Mutex<Vec<Value>>>,
    handle: actix_web::dev::ServerHandle,
}

impl Upstream {
    fn start() -> Upstream {
        let seen: Arc<Mutex<Vec<Value>>> = Arc::default();
        let log = web::Data::new(seen.clone());
        let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("{e}"))
            .to_string();
        let server = HttpServer::new(move || {
            App::new().app_data(log.clone()).default_service(web::to(
                |req: HttpRequest, log: web::Data<Arc<Mutex<Vec<Value>>>>| async move {
                    let headers: serde_json::Map<String, Value> = req
                        .headers()
                        .iter()
                        .map(|(n, v)| (n.as_str().to_owned(), json!(v.to_str().unwrap_or("(binary)"))))
                        .collect();
                    let seen = json!({ "method": req.method().as_str(), "uri": req.uri().to_string(), "headers": headers });
                    log.lock().unwrap().push(seen.clone());
                    HttpResponse::Ok().json(seen)
                },
            ))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap_or_else(|e| panic!("{e}"))
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Upstream { addr, seen, handle }
    }

    fn hits(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

impl Drop for Upstream {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

/// A gateway process, killed and reaped on drop (a failing test included),
/// with its scratch directory removed.
struct Gateway {
    child: Child,
    base: String,
    dir: PathBuf,
    name: &'static str,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Gateway {
    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("gateway.log")).unwrap_or_default()
    }

    /// Waits until the gateway has bound its port (`bound` says so from
    /// its scratch directory and log) and accepts connections; `false`
    /// when it exited because another gateway holds the port.
    async fn started(&mut self, bound: &dyn Fn(&Path, &str) -> bool) -> bool {
        let deadline = Instant::now() + Duration::from_secs(20);
        let addr = self.base.trim_start_matches("http://").to_owned();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                let log = self.log();
                if log.to_lowercase().contains("address already in use") {
                    return false;
                }
                panic!("{} exited ({status}) before listening:\n{log}", self.name);
            }
            if bound(&self.dir, &self.log()) && tokio::net::TcpStream::connect(&addr).await.is_ok()
            {
                return true;
            }
            assert!(
                Instant::now() < deadline,
                "{} did not listen on {addr}:\n{}",
                self.name,
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Starts a gateway (`make` writes its configuration for a port into a
/// fresh scratch directory and returns the command), drawing another port
/// while the one drawn is taken.
async fn start(
    name: &'static str,
    make: impl Fn(u16, &Path) -> Command,
    bound: &dyn Fn(&Path, &str) -> bool,
) -> Gateway {
    for _ in 0..8 {
        let port = gateway_port();
        let dir = scratch(name);
        let cmd = make(port, &dir);
        let mut gateway = spawn(name, cmd, dir, port);
        if gateway.started(bound).await {
            return gateway;
        }
    }
    panic!("{name}: eight ports drawn, every one taken");
}

fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("llavero-{name}-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    dir
}

fn binary(name: &str, package: &str) -> String {
    for dir in ["/usr/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/sbin"] {
        let path = Path::new(dir).join(name);
        if path.is_file() {
            return path.display().to_string();
        }
    }
    panic!("{name} is required for the gateway tests and is not installed: apt-get install -y {package} (or run `just setup`)");
}

fn spawn(name: &'static str, mut cmd: Command, dir: PathBuf, port: u16) -> Gateway {
    let log = std::fs::File::create(dir.join("gateway.log")).unwrap_or_else(|e| panic!("{e}"));
    let err = log.try_clone().unwrap_or_else(|e| panic!("{e}"));
    let child = cmd
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(err)
        .spawn()
        .unwrap_or_else(|e| panic!("starting {name}: {e}"));
    Gateway {
        child,
        base: format!("http://127.0.0.1:{port}"),
        dir,
        name,
    }
}

/// nginx running `docs/gateways/nginx.conf` in front of `upstream`.
async fn nginx(llavero: &str, upstream: &str) -> Gateway {
    let bin = binary("nginx", "nginx");
    let make = |port: u16, dir: &Path| {
        let shipped =
            std::fs::read_to_string(config_file("nginx.conf")).unwrap_or_else(|e| panic!("{e}"));
        let site = substitute(
            &shipped,
            "server 127.0.0.1:8080;",
            &format!("server {llavero};"),
        );
        let site = substitute(
            &site,
            "server 127.0.0.1:9000;",
            &format!("server {upstream};"),
        );
        let site = substitute(&site, "listen 8000;", &format!("listen 127.0.0.1:{port};"));
        std::fs::write(dir.join("llavero.conf"), site).unwrap_or_else(|e| panic!("{e}"));
        // The harness around the operator's include: one foreground process
        // (as root, no worker user to switch to), every path in the scratch dir.
        let d = dir.display();
        let main = format!(
        "daemon off;\nmaster_process off;\npid {d}/nginx.pid;\nerror_log {d}/gateway.log warn;\n\
         events {{ worker_connections 256; }}\n\
         http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
           fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
           include {d}/llavero.conf;\n}}\n"
    );
        std::fs::write(dir.join("nginx.conf"), main).unwrap_or_else(|e| panic!("{e}"));
        let mut cmd = Command::new(&bin);
        cmd.arg("-p").arg(dir).arg("-c").arg(dir.join("nginx.conf"));
        cmd
    };
    // nginx writes its pid file only once its sockets are bound.
    start("nginx", make, &|dir, _| dir.join("nginx.pid").exists()).await
}

/// Caddy running `docs/gateways/Caddyfile` in front of `upstream`.
async fn caddy(llavero: &str, upstream: &str) -> Gateway {
    let bin = binary("caddy", "caddy");
    let make = |port: u16, dir: &Path| {
        let shipped =
            std::fs::read_to_string(config_file("Caddyfile")).unwrap_or_else(|e| panic!("{e}"));
        let site = substitute(
            &shipped,
            "forward_auth 127.0.0.1:8080 {",
            &format!("forward_auth {llavero} {{"),
        );
        let site = substitute(
            &site,
            "reverse_proxy 127.0.0.1:9000 {",
            &format!("reverse_proxy {upstream} {{"),
        );
        let site = substitute(
            &site,
            "\n:8000 {\n",
            &format!("\n:{port} {{\n\tbind 127.0.0.1\n"),
        );
        let file = dir.join("Caddyfile");
        std::fs::write(&file, site).unwrap_or_else(|e| panic!("{e}"));
        let mut cmd = Command::new(&bin);
        cmd.args(["run", "--adapter", "caddyfile", "--config"])
            .arg(&file);
        for var in ["HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME"] {
            cmd.env(var, dir);
        }
        cmd
    };
    // Caddy says so once its listeners are up.
    start("caddy", make, &|_, log| {
        log.contains("serving initial configuration")
    })
    .await
}

/// A client calling from [`CLIENT_IP`] (or `from`).
fn client_from(from: &str) -> Client {
    Client::builder()
        .local_address(from.parse::<IpAddr>().ok())
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn header(res: &Response, name: &str) -> String {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

/// A refusal through the gateway: `status`, the code in the body and in
/// `X-Llavero-Error`, and nothing reached the upstream.
async fn assert_refused(
    res: Response,
    status: u16,
    code: &str,
    upstream: &Upstream,
    hits_before: usize,
) {
    assert_eq!(res.status().as_u16(), status, "{:?}", res.headers());
    assert_eq!(header(&res, "x-llavero-error"), code);
    if status == 401 {
        // Once: nginx copies the sub-request's own onto the answer.
        let challenges: Vec<_> = res.headers().get_all("www-authenticate").iter().collect();
        assert_eq!(
            challenges,
            ["Bearer realm=\"llavero\""],
            "{:?}",
            res.headers()
        );
    }
    if status == 503 || status == 429 {
        let retry: u64 = header(&res, "retry-after").parse().unwrap_or(0);
        assert!(
            retry >= 1,
            "{status} without Retry-After: {:?}",
            res.headers()
        );
    }
    assert_eq!(header(&res, "content-type"), "application/problem+json");
    let body = json(res).await;
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status, "{body}");
    assert_eq!(
        upstream.hits(),
        hits_before,
        "a refused request reached the upstream"
    );
}

/// The whole story through `gateway`: refused without a key, forwarded
/// with the owner's identity and never the key, the client address
/// recorded, refused at once after revocation, throttled, and refused
/// (not let through) when Llavero is gone.
async fn through(app: TestApp, upstream: Upstream, gateway: Gateway) {
    let url = |path: &str| format!("{}{path}", gateway.base);
    let client = client_from(CLIENT_IP);
    let (user, owner) = app.user("gwen", llavero_types::Role::User).await;
    let (key, secret) = app.create_key(&owner, "through the gateway").await;

    // No key: 401, and the upstream never sees the request.
    let res = client
        .get(url("/v1/servers"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_refused(res, 401, "authentication_required", &upstream, 0).await;

    // A valid key: the upstream gets the request, the owner's identity, and
    // neither the key nor the identity headers the client forged.
    let res = client
        .post(url("/v1/servers?zone=eu"))
        .header("MC-Api-Key", &secret)
        .header("X-Llavero-Role", "admin")
        .header("X-Llavero-User", "root")
        .header("X-Forwarded-For", "6.6.6.6")
        .json(&json!({ "size": "small" }))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status(), 200, "{}", gateway.log());
    let seen = json(res).await;
    assert_eq!(seen["method"], "POST");
    assert_eq!(seen["uri"], "/v1/servers?zone=eu");
    let h = &seen["headers"];
    assert_eq!(h["x-llavero-user"], user.username.as_str(), "{seen}");
    assert_eq!(h["x-llavero-user-id"], user.id.to_string());
    assert_eq!(h["x-llavero-role"], "user");
    assert_eq!(h["x-llavero-key-id"], key.id.to_string());
    assert_eq!(h["x-llavero-key-name"], "through%20the%20gateway");
    assert_eq!(h["x-llavero-scopes"], "*");
    assert!(
        !seen.to_string().contains(&secret[4..]),
        "the upstream saw the key: {seen}"
    );
    assert!(h.get("mc-api-key").is_none_or(|v| v == ""), "{seen}");

    // By Authorization: Bearer as well; the upstream sees no Authorization.
    let res = client
        .get(url("/v1/servers/1"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status(), 200);
    let seen = json(res).await;
    assert!(
        !seen.to_string().contains(&secret[4..]),
        "the upstream saw the key: {seen}"
    );
    assert!(
        seen["headers"].get("authorization").is_none_or(|v| v == ""),
        "{seen}"
    );

    // The key's list row shows the address the gateway reported.
    let listed = app
        .list_keys_until(&owner, |l| l.iter().any(|k| k.last_used_ip.is_some()))
        .await;
    assert_eq!(
        listed[0].last_used_ip.as_deref(),
        Some(CLIENT_IP),
        "{listed:?}"
    );

    // Revoked through the API the web app uses: the very next call is refused.
    let res = owner
        .delete(app.url(&format!("/api-keys/{}", key.id)))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status(), 204);
    let hits = upstream.hits();
    let res = client
        .get(url("/v1/servers"))
        .header("MC-Api-Key", &secret)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_refused(res, 401, "key_revoked", &upstream, hits).await;

    // An address that keeps guessing keys is told to wait (429 with
    // Retry-After), by the gateway as Llavero said it.
    let guesser = client_from("127.0.0.3");
    let mut last = None;
    for _ in 0..5 {
        // A fresh well-formed key each time: a repeated one is answered
        // from the negative cache and costs nothing, so is never throttled.
        let guess = llavero_domain::key::generate(&llavero_domain::KeyPrefix::default())
            .unwrap_or_else(|e| panic!("{e}"));
        let res = guesser
            .get(url("/v1/servers"))
            .header("MC-Api-Key", guess.secret.expose())
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        if res.status() == 429 {
            last = Some(res);
            break;
        }
    }
    let res = last.unwrap_or_else(|| panic!("no 429 after 5 unknown keys from one address"));
    let retry: u64 = header(&res, "retry-after").parse().unwrap_or(0);
    assert!(retry >= 1, "429 without Retry-After: {:?}", res.headers());
    assert_refused(res, 429, "rate_limited", &upstream, hits).await;
    // Another address is not affected.
    let res = client
        .get(url("/v1/servers"))
        .header("MC-Api-Key", "mco_0000000000000000000000000000004I186y")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_refused(res, 401, "key_unknown", &upstream, hits).await;

    // Llavero gone: refused, never let through.
    let (_, live) = app.create_key(&owner, "still valid").await;
    drop(app);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let res = client
        .get(url("/v1/servers"))
        .header("MC-Api-Key", &live)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        res.status().is_server_error(),
        "{} let a request through without Llavero: {}",
        gateway.name,
        res.status()
    );
    assert_eq!(
        upstream.hits(),
        hits,
        "a request reached the upstream without Llavero"
    );
    if gateway.name == "nginx" {
        assert_refused(res, 503, "authorization_unavailable", &upstream, hits).await;
    } else {
        assert_eq!(
            res.status(),
            502,
            "Caddy's answer when its forward_auth upstream is down"
        );
    }
}

/// A location that needs a scope, and a rolled key, through `gateway`:
/// the done-when of key limits — a key limited to two scopes and one
/// network, rolled with a grace, accepted with both secrets and then only
/// with the new one.
async fn scoped_and_rolled(app: TestApp, upstream: Upstream, gateway: Gateway) {
    let url = |path: &str| format!("{}{path}", gateway.base);
    let (_, owner) = app.user("rosa", llavero_types::Role::User).await;
    let (key, old) = app
        .create_key_with(
            &owner,
            json!({ "name": "limited", "scopes": ["compute:read", "compute:write"], "allowed_cidrs": ["127.0.0.2/32"] }),
        )
        .await;
    let call = |secret: String, path: &'static str, from: &'static str| {
        let client = client_from(from);
        let url = url(path);
        async move {
            client
                .get(url)
                .header("MC-Api-Key", secret)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e}"))
        }
    };
    // Its scopes reach the upstream; a location needing another is refused.
    let res = call(old.clone(), "/v1/servers", CLIENT_IP).await;
    assert_eq!(res.status(), 200, "{}", gateway.log());
    let seen = json(res).await;
    assert_eq!(
        seen["headers"]["x-llavero-scopes"],
        "compute:read compute:write"
    );
    let hits = upstream.hits();
    for path in ["/v1/dns/zones", "/v1/dns"] {
        let res = call(old.clone(), path, CLIENT_IP).await;
        assert_refused(res, 403, "scope_missing", &upstream, hits).await;
    }
    // From another address: refused, whatever the path.
    let res = call(old.clone(), "/v1/servers", "127.0.0.3").await;
    assert_refused(res, 403, "ip_not_allowed", &upstream, hits).await;
    // A key that holds the scope, and one with every privilege, pass.
    let (_, dns) = app
        .create_key_with(&owner, json!({ "name": "dns", "scopes": ["dns:edit"] }))
        .await;
    assert_eq!(call(dns, "/v1/dns/zones", CLIENT_IP).await.status(), 200);
    let (_, all) = app.create_key(&owner, "all").await;
    assert_eq!(call(all, "/v1/dns/zones", CLIENT_IP).await.status(), 200);

    // Rolled with an hour's grace: both secrets pass, as the same key.
    let roll = |id: uuid::Uuid, grace: u64| {
        owner
            .post(app.url(&format!("/api-keys/{id}/roll")))
            .json(&json!({ "grace_seconds": grace }))
            .send()
    };
    let res = roll(key.id, 3600).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status(), 201);
    let new = json(res).await["secret"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    for secret in [&old, &new] {
        let res = call(secret.clone(), "/v1/servers", CLIENT_IP).await;
        assert_eq!(res.status(), 200);
        assert_eq!(
            json(res).await["headers"]["x-llavero-key-id"],
            key.id.to_string()
        );
    }
    // Rolled with a second's grace: once it is up, only the new one passes.
    let (short, short_old) = app.create_key(&owner, "short grace").await;
    let res = roll(short.id, 1).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.status(), 201);
    let short_new = json(res).await["secret"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let res = call(short_old.clone(), "/v1/servers", CLIENT_IP).await;
        if res.status() != 200 {
            let hits = upstream.hits();
            assert_refused(res, 401, "key_revoked", &upstream, hits).await;
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the old secret outlived its grace"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        call(short_new, "/v1/servers", CLIENT_IP).await.status(),
        200
    );
    assert_eq!(call(new, "/v1/servers", CLIENT_IP).await.status(), 200);
}

/// Llavero as the gateways' tests run it: the gateway (127.0.0.1) is its
/// one trusted proxy, and a few failed checks per minute are allowed.
async fn llavero(backend: crate::helpers::Backend) -> (TestApp, String) {
    let app = spawn_app_with(
        backend,
        &[
            ("LLAVERO_TRUSTED_PROXIES", "127.0.0.1"),
            ("LLAVERO_KEY_FAILURES_PER_MINUTE", "3"),
        ],
    )
    .await;
    let addr = app
        .api
        .trim_start_matches("http://")
        .trim_end_matches("/api/v1")
        .to_owned();
    (app, addr)
}

/// One gateway test per backend: `<gateway>::sqlite`, `<gateway>::postgres`.
macro_rules! gateway_test {
    ($name:ident, $start:ident, $story:ident) => {
        mod $name {
            use super::*;
            async fn run(backend: crate::helpers::Backend) {
                let (app, addr) = llavero(backend).await;
                let upstream = Upstream::start();
                let gateway = $start(&addr, &upstream.addr).await;
                $story(app, upstream, gateway).await;
            }
            #[tokio::test]
            async fn sqlite() {
                run(crate::helpers::Backend::Sqlite).await
            }
            #[tokio::test]
            async fn postgres() {
                run(crate::helpers::Backend::Postgres).await
            }
        }
    };
}

gateway_test!(nginx_auth_request_protects_an_api, nginx, through);
gateway_test!(caddy_forward_auth_protects_an_api, caddy, through);
gateway_test!(
    nginx_requires_scopes_and_honours_a_roll,
    nginx,
    scoped_and_rolled
);
gateway_test!(
    caddy_requires_scopes_and_honours_a_roll,
    caddy,
    scoped_and_rolled
);
