//! Logging: `tracing` to stderr, as text or JSON lines.
//!
//! The level comes from `RUST_LOG` (default `info`). No secret is ever a
//! field of a span or event: handlers and store calls skip them, and the
//! types that hold secrets print `[redacted]`.

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

use crate::client_ip::client_ip;
use crate::state::AppState;
use llavero_app::configuration::LogFormat;

/// Installs the global subscriber writing to `writer`. Returns `false` when
/// one is already installed (as in tests that share a process).
pub fn init<W>(format: LogFormat, default_level: &str, writer: W) -> bool
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init().is_ok(),
        LogFormat::Text => builder.try_init().is_ok(),
    }
}

/// The request span of every request: tracing-actix-web's fields, with
/// these differences:
/// - `http.client_ip` is the address the trusted-proxy logic derived
///   ([`crate::client_ip`]), never a client-supplied `X-Forwarded-For` or
///   `Forwarded` from an untrusted peer (the default span takes either at
///   its word, so anyone could write any address into the log);
/// - an error answer's `Display` and `Debug` are formatted only when the
///   span is recorded (the default formats both for every error answer
///   even when the level filters the span out, which made a flood of
///   refused keys cost a quarter more than a flood of accepted ones);
/// - the identity provider's callback is logged without its query, which
///   carries the authorization code and the `state`;
/// - no span is built at all when the level is above `info` (3 % of a hot
///   verification under `perf`).
pub struct RequestSpans;

/// The path whose query is never logged.
pub const OIDC_CALLBACK: &str = "/api/v1/auth/oidc/callback";

impl tracing_actix_web::RootSpanBuilder for RequestSpans {
    fn on_request_start(request: &actix_web::dev::ServiceRequest) -> tracing::Span {
        use actix_web::HttpMessage;
        // Below `info` no request span is recorded: skip building one.
        if tracing::level_filters::LevelFilter::current() < tracing::Level::INFO {
            return tracing::Span::none();
        }
        let request_id = request
            .extensions()
            .get::<tracing_actix_web::RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        let client = request
            .app_data::<actix_web::web::Data<AppState>>()
            .and_then(|state| client_ip(request.request(), &state.trusted_proxies))
            .unwrap_or_default();
        let route = request.match_pattern().unwrap_or_default();
        let target = if request.path() == OIDC_CALLBACK {
            OIDC_CALLBACK.to_owned()
        } else {
            request
                .uri()
                .path_and_query()
                .map(ToString::to_string)
                .unwrap_or_default()
        };
        let user_agent = request
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %route,
            http.flavor = ?request.version(),
            http.client_ip = %client,
            http.user_agent = %user_agent,
            http.target = %target,
            otel.kind = "server",
            request_id = %request_id,
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: actix_web::body::MessageBody>(
        span: tracing::Span,
        outcome: &Result<actix_web::dev::ServiceResponse<B>, actix_web::Error>,
    ) {
        if !span.is_disabled() {
            tracing_actix_web::DefaultRootSpanBuilder::on_request_end(span, outcome);
        }
    }
}
