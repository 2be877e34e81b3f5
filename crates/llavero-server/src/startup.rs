//! Building and running the HTTP server.
//!
//! [`Application::build`] does everything that can fail before serving:
//! connects and migrates the database, resolves the pepper, creates the first
//! admin, binds the port (port 0 picks a free one, as tests do). Then
//! [`Application::run_until_stopped`] serves until SIGINT/SIGTERM, letting
//! in-flight requests finish.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Server, Service as _, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{web, HttpMessage, HttpResponse, HttpServer};
use anyhow::Context;
use tracing_actix_web::{RequestId, TracingLogger};
use utoipa_swagger_ui::{Config as SwaggerConfig, SwaggerUi};

use llavero_app::configuration::Settings;
use llavero_app::{App, Background};

use crate::auth::session::SessionPolicy;
use crate::error;
use crate::headers;
use crate::openapi::{self, DocumentJson};
use crate::routes;
use crate::state::AppState;
use crate::telemetry::RequestSpans;

/// Largest JSON body accepted (names are ≤ 100 characters; this is generous).
pub const JSON_LIMIT: usize = 16 * 1024;

/// A bound, ready-to-run server.
pub struct Application {
    address: std::net::SocketAddr,
    server: Server,
    app: Arc<App>,
    background: Background,
    /// The second listener, serving only `/metrics`, and its address.
    metrics: Option<(Server, std::net::SocketAddr)>,
}

impl Application {
    /// Prepares storage and binds `settings.listen`.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(settings.listen)
            .with_context(|| format!("binding {} (LLAVERO_LISTEN)", settings.listen))?;
        let bound = listener.local_addr()?;
        let app = Arc::new(App::build(&settings, &settings.public_url(bound)).await?);
        let background = app.spawn_background(&settings);
        let api_endpoint = settings.api_endpoint(bound);
        let state = AppState {
            app: app.clone(),
            api_endpoint: api_endpoint.clone(),
            own_api: settings.own_api(bound),
            brand: settings.brand.clone(),
            verify_token: settings.verify_token.clone(),
            leaks_token: settings.leaks_token.clone(),
            metrics_token: settings.metrics_token.clone(),
            trusted_proxies: Arc::new(settings.trusted_proxies.clone()),
            sessions: SessionPolicy {
                absolute: settings.session_ttl,
                idle: settings.session_idle,
                secure: settings.secure_cookies(),
            },
            https: settings.secure_cookies(),
        };
        let port = bound.port();
        if let Some(dir) = &settings.web_dir {
            if !dir.join("index.html").is_file() {
                anyhow::bail!(
                    "LLAVERO_WEB_DIR={}: no index.html there (build it with `just web`)",
                    dir.display()
                );
            }
            tracing::info!(dir = %dir.display(), "serving the web app at /");
        }
        let metrics = match settings.metrics_listen {
            Some(addr) => {
                let listener = TcpListener::bind(addr)
                    .with_context(|| format!("binding {addr} (LLAVERO_METRICS_LISTEN)"))?;
                let bound = listener.local_addr()?;
                Some((run_metrics(listener, state.clone())?, bound))
            }
            None => None,
        };
        let public_origin = crate::cross_origin::origin_of(&settings.public_url(bound));
        let server = run(listener, state, &settings, public_origin)?;
        tracing::info!(
            listen = %settings.listen,
            port,
            %api_endpoint,
            own_api = %settings.own_api(bound),
            "Llavero is listening"
        );
        Ok(Application {
            address: bound,
            server,
            app,
            background,
            metrics,
        })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// The bound address (with port 0 in the settings, the one the OS chose).
    pub fn address(&self) -> std::net::SocketAddr {
        self.address
    }

    /// Where the second listener serves `/metrics`, when there is one.
    pub fn metrics_address(&self) -> Option<std::net::SocketAddr> {
        self.metrics.as_ref().map(|(_, addr)| *addr)
    }

    /// A handle to stop the server gracefully.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped by a signal or the handle.
    ///
    /// After the last request, pending last uses are written.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let metrics = self.metrics.map(|(server, _)| {
            let handle = server.handle();
            tokio::spawn(server);
            handle
        });
        let result = self.server.await;
        if let Some(handle) = metrics {
            handle.stop(true).await;
        }
        self.background.stop();
        self.app.verifier.shutdown().await;
        result
    }
}

fn run(
    listener: TcpListener,
    state: AppState,
    settings: &Settings,
    public_origin: String,
) -> anyhow::Result<Server> {
    let web_dir = settings.web_dir.clone();
    let state = web::Data::new(state);
    let doc = web::Data::new(DocumentJson(Arc::new(openapi::document_json())));
    let request_id = HeaderName::from_static("x-request-id");
    let known = web::Data::new(routes::fallback::KnownPaths::new(openapi::allowed_methods()));
    let https = settings.secure_cookies();
    let metrics_elsewhere = settings.metrics_listen.is_some();
    let server = HttpServer::new(move || {
        let request_id = request_id.clone();
        let (app, _) = openapi::api_app();
        app.app_data(state.clone())
            .app_data(doc.clone())
            .app_data(
                web::JsonConfig::default()
                    .limit(JSON_LIMIT)
                    .error_handler(error::json_error),
            )
            .app_data(web::PathConfig::default().error_handler(error::path_error))
            .app_data(web::QueryConfig::default().error_handler(error::query_error))
            .route("/healthz", web::get().to(routes::health::healthz))
            .route("/readyz", web::get().to(routes::health::readyz))
            // With a second listener for metrics, this one has none
            // (the fallback answers 404).
            .configure(|cfg| {
                if !metrics_elsewhere {
                    cfg.route("/metrics", web::get().to(routes::health::metrics));
                }
            })
            .route(
                "/docs",
                web::get().to(|| async {
                    HttpResponse::PermanentRedirect()
                        .insert_header(("location", "/docs/"))
                        .finish()
                }),
            )
            .service(
                SwaggerUi::new("/docs/{_:.*}").config(SwaggerConfig::from("/api/v1/openapi.json")),
            )
            // The web app last: it answers every path nothing above claimed.
            .configure(|cfg| {
                if let Some(dir) = &web_dir {
                    cfg.service(crate::web::service(dir));
                }
            })
            .app_data(known.clone())
            .default_service(web::to(routes::fallback::fallback))
            // Cookie-authenticated changes from another origin stop here,
            // before any handler (see `cross_origin`).
            .wrap_fn({
                let cookie = state.sessions.cookie_name();
                let public_origin = public_origin.clone();
                move |req, srv| {
                    let checked = crate::cross_origin::applies(
                        req.method(),
                        req.path(),
                        req.headers(),
                        req.cookie(cookie).is_some(),
                    );
                    let refused =
                        checked && !crate::cross_origin::same_origin(req.headers(), &public_origin);
                    let call = if refused { Err(req) } else { Ok(srv.call(req)) };
                    async move {
                        match call {
                            Err(req) => {
                                let refused = error::ApiError::new(
                                    llavero_types::ErrorCode::OriginRefused,
                                    crate::cross_origin::REFUSED,
                                );
                                Ok(req.error_response(refused).map_into_right_body())
                            }
                            Ok(call) => Ok(call.await?.map_into_left_body()),
                        }
                    }
                }
            })
            // Count and time every answer under its route pattern.
            .wrap_fn({
                let state = state.clone();
                move |req, srv| {
                    let started = std::time::Instant::now();
                    let method = req.method().clone();
                    let route = req
                        .match_pattern()
                        .unwrap_or_else(|| "(unmatched)".to_owned());
                    let fut = srv.call(req);
                    let metrics = state.app.metrics.clone();
                    async move {
                        let res = fut.await?;
                        metrics.observe_request(
                            method.as_str(),
                            &route,
                            res.status().as_u16(),
                            started.elapsed(),
                        );
                        Ok(res)
                    }
                }
            })
            // Inner: copy the request id TracingLogger assigned onto the
            // answer, and into the body of an error answer (`request_id`).
            .wrap_fn(move |req, srv| {
                let id = req.extensions().get::<RequestId>().map(|id| id.to_string());
                let fut = srv.call(req);
                let request_id = request_id.clone();
                async move {
                    let res = fut.await?;
                    let mut res = with_request_id_in_problem(res, id.as_deref());
                    if let Some(value) = id.and_then(|id| HeaderValue::from_str(&id).ok()) {
                        res.headers_mut().insert(request_id, value);
                    }
                    Ok(res)
                }
            })
            // Security headers on every answer, errors included.
            .wrap_fn(move |req, srv| {
                let place = headers::Place::of(req.path());
                let fut = srv.call(req);
                async move {
                    let mut res = fut.await?;
                    let status = res.status();
                    headers::secure(res.headers_mut(), status, place, https);
                    Ok(res)
                }
            })
            .wrap(TracingLogger::<RequestSpans>::new())
    });
    let server = match settings.workers {
        Some(n) => server.workers(n),
        None => server,
    };
    let server = server.listen(listener)?.shutdown_timeout(30).run();
    Ok(server)
}

/// The operator's listener (`LLAVERO_METRICS_LISTEN`): `/metrics` and
/// nothing else, one worker, no access log (a scraper every few seconds
/// is not news).
fn run_metrics(listener: TcpListener, state: AppState) -> anyhow::Result<Server> {
    let state = web::Data::new(state);
    let server = HttpServer::new(move || {
        actix_web::App::new()
            .app_data(state.clone())
            .route("/metrics", web::get().to(routes::health::metrics))
    })
    .workers(1)
    .listen(listener)?
    .shutdown_timeout(1)
    .run();
    Ok(server)
}

/// An error answer with `request_id` in its body (handlers and extractors
/// render without it: only this middleware knows the id). Only the body is
/// replaced: the status, every header (repeated ones too) and the attached
/// error, which the tracing layer reports, stay as they were.
fn with_request_id_in_problem<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
    id: Option<&str>,
) -> ServiceResponse<BoxBody> {
    let body = match (id, res.response().error()) {
        (Some(id), Some(err)) => err
            .as_error::<error::ApiError>()
            .and_then(|api| serde_json::to_vec(&api.problem(Some(id.to_owned()))).ok()),
        _ => None,
    };
    match body {
        Some(body) => res.map_body(|_, _| BoxBody::new(body)),
        None => res.map_into_boxed_body(),
    }
}
