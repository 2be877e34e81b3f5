//! The OpenAPI document, generated from the routes themselves.
//!
//! [`api_app`] mounts [`crate::routes::configure`] through utoipa-actix-web,
//! which collects each handler's `#[utoipa::path]` as it registers it: the
//! server and the document come from that one call. The committed
//! `openapi/llavero.json` is [`document_json`]'s output; a test fails when
//! they differ, and `just openapi` rewrites the file.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{web, App, HttpResponse};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::OpenApi as Document;
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

use crate::auth::session::SESSION_COOKIE;
use crate::auth::API_KEY_HEADER;

/// Everything in the document that is not a route.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Llavero API",
        description = "API credentials for the cloud management portal: generate, list, \
rename and revoke API keys; verify keys from gateways; audit activity; manage users.\n\n\
Bodies are JSON; objects and lists are wrapped as `{\"data\": …}`; errors are RFC 9457 \
`application/problem+json`. Authenticate with the session cookie from `POST /auth/login`, \
or with an API key in `MC-Api-Key` or `Authorization: Bearer`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0")
    ),
    modifiers(&SecuritySchemes),
    tags(
        (name = "info", description = "Public facts about this installation"),
        (name = "auth", description = "Sign-in, sign-out and the caller"),
        (name = "api-keys", description = "The caller's API keys"),
        (name = "verify", description = "Key verification for platform gateways"),
        (name = "activity", description = "The audit log"),
        (name = "users", description = "User administration (admin only)"),
    )
)]
struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                SESSION_COOKIE,
                "The browser session from POST /api/v1/auth/login.",
            ))),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                API_KEY_HEADER,
                "An API key, e.g. mco_…; acts with its owner's privileges.",
            ))),
        );
        let mut bearer = Http::new(HttpAuthScheme::Bearer);
        bearer.description = Some("An API key sent as Authorization: Bearer <key>.".to_owned());
        components.add_security_scheme("bearer", SecurityScheme::Http(bearer));
        let mut service = Http::new(HttpAuthScheme::Bearer);
        service.description = Some(
            "The service token configured as LLAVERO_VERIFY_TOKEN (gateways only).".to_owned(),
        );
        components.add_security_scheme("service_token", SecurityScheme::Http(service));
    }
}

/// An app with every `/api/v1` route mounted, and the document describing it.
pub fn api_app() -> (
    App<
        impl ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<impl MessageBody>,
            Error = actix_web::Error,
            InitError = (),
        >,
    >,
    Document,
) {
    App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(
            utoipa_actix_web::scope("/api/v1")
                .configure(crate::routes::configure)
                .route("/openapi.json", web::get().to(serve_document)),
        )
        .split_for_parts()
}

/// The document as committed in `openapi/llavero.json` (pretty, newline-terminated).
pub fn document_json() -> String {
    let (_, mut doc) = api_app();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    let mut json = doc
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    json.push('\n');
    json
}

/// The document, computed once at start-up and shared.
#[derive(Debug, Clone)]
pub struct DocumentJson(pub std::sync::Arc<String>);

async fn serve_document(doc: web::Data<DocumentJson>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(doc.0.as_str().to_owned())
}
