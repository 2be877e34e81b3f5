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
use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, RefOr};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

use crate::auth::session::SESSION_COOKIE;
use crate::auth::API_KEY_HEADER;

mod problems;

/// Everything in the document that is not a route.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Llavero API",
        description = "API credentials for the cloud management portal: generate, list, \
rename and revoke API keys; verify keys from gateways; audit activity; manage users.\n\n\
Bodies are JSON; objects and lists are wrapped as `{\"data\": …}`; errors are RFC 9457 \
`application/problem+json`. Authenticate with the session cookie from `POST /auth/login`, \
or with an API key in `MC-Api-Key` or `Authorization: Bearer` (a key reads and uses the API \
with its owner's privileges; creating, renaming and revoking keys and managing users need a \
signed-in session).",
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
        (name = "webhooks", description = "Signed event deliveries to other systems (admin only)"),
        (name = "leaks", description = "Leaked-key reports: GitHub secret scanning and the operator's scanners"),
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
                "The browser session from POST /api/v1/auth/login (named __Host-llavero_session over https).",
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
        let mut leaks = Http::new(HttpAuthScheme::Bearer);
        leaks.description = Some(
            "The token configured as LLAVERO_LEAKS_TOKEN (the operator's leak scanners only; the verify token is refused).".to_owned(),
        );
        components.add_security_scheme("leaks_token", SecurityScheme::Http(leaks));
        components.add_security_scheme(
            "github_signature",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Github-Public-Key-Signature",
                "GitHub's ECDSA P-256 signature of the raw body (base64 DER), with the key named in Github-Public-Key-Identifier.",
            ))),
        );
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
    let (app, mut doc) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(
            utoipa_actix_web::scope("/api/v1")
                .configure(crate::routes::configure)
                .route("/openapi.json", web::get().to(serve_document)),
        )
        .split_for_parts();
    add_links(&mut doc);
    add_database_unavailable(&mut doc);
    add_key_throttle(&mut doc);
    problems::add_shared_problems(&mut doc);
    (app, doc)
}

/// A problem answer with `Retry-After`, described by `description`.
fn retry_later(description: String) -> RefOr<utoipa::openapi::Response> {
    use utoipa::openapi::header::HeaderBuilder;
    use utoipa::openapi::{ObjectBuilder, Type};
    let seconds = HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(Type::Integer))
        .description(Some("Seconds to wait"))
        .build();
    RefOr::T(
        problems::problem(&description)
            .header("retry-after", seconds)
            .build(),
    )
}

/// Every operation of `item`.
fn operations(
    item: &mut utoipa::openapi::PathItem,
) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    [
        &mut item.get,
        &mut item.post,
        &mut item.patch,
        &mut item.put,
        &mut item.delete,
        &mut item.head,
        &mut item.options,
        &mut item.trace,
    ]
    .into_iter()
    .flatten()
}

/// Every operation that takes an API key (and `/verify`, for its
/// `client_ip`) can answer 429 `rate_limited` to a client address whose key
/// checks keep failing: say so once, here.
fn add_key_throttle(doc: &mut Document) {
    for (path, item) in doc.paths.paths.iter_mut() {
        for op in operations(item) {
            let takes_key = path == "/api/v1/verify"
                || op.security.iter().flatten().any(|req| {
                    let json = serde_json::to_value(req).unwrap_or_default();
                    json.get("api_key").is_some() || json.get("bearer").is_some()
                });
            if takes_key && !op.responses.responses.contains_key("429") {
                op.responses.responses.insert(
                    "429".to_owned(),
                    retry_later(
                        "Too many failed key checks from this client address \
                         (`rate_limited`): retry after `Retry-After`"
                            .to_owned(),
                    ),
                );
            }
        }
    }
}

/// Every operation that reads or writes the database can answer 503
/// `database_unavailable` with `Retry-After` (and one that takes a key, 503
/// `busy` when too many lookups wait): say so once, here, rather than in
/// each handler's annotation.
fn add_database_unavailable(doc: &mut Document) {
    let without_database = ["/api/v1/info", "/api/v1/openapi.json"];
    for (path, item) in doc.paths.paths.iter_mut() {
        if without_database.contains(&path.as_str()) {
            continue;
        }
        for op in operations(item) {
            let description = match op.responses.responses.get("503") {
                Some(RefOr::T(r)) => format!("{}; or the database cannot answer", r.description),
                Some(RefOr::Ref(_)) => continue,
                None => "The database cannot answer (`database_unavailable`)".to_owned(),
            };
            op.responses.responses.insert(
                "503".to_owned(),
                retry_later(format!("{description}: retry after `Retry-After`")),
            );
        }
    }
}

/// OpenAPI links from what a creation returns to what can be done with it,
/// so generated clients and stateful fuzzers can follow them.
fn add_links(doc: &mut Document) {
    let follow = [
        (
            "/api/v1/api-keys",
            &[
                ("GetKey", "api_key_get"),
                ("UpdateKey", "api_key_update"),
                ("RollKey", "api_key_roll"),
                ("RevokeKey", "api_key_revoke"),
            ][..],
        ),
        (
            "/api/v1/users",
            &[
                ("GetUser", "user_get"),
                ("UpdateUser", "user_update"),
                ("ListUserKeys", "user_api_key_list"),
            ][..],
        ),
    ];
    for (path, links) in follow {
        let created = doc
            .paths
            .paths
            .get_mut(path)
            .and_then(|item| item.post.as_mut())
            .and_then(|op| op.responses.responses.get_mut("201"));
        if let Some(RefOr::T(response)) = created {
            for (name, operation) in links {
                let link = LinkBuilder::new()
                    .operation_id(*operation)
                    .parameter("id", "$response.body#/data/id")
                    .build();
                response.links.insert((*name).to_owned(), RefOr::T(link));
            }
        }
    }
}

/// The document as committed in `openapi/llavero.json` (pretty, newline-terminated).
pub fn document_json() -> String {
    let mut json = serde_json::to_string_pretty(&document_value())
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    json.push('\n');
    json
}

/// The document as JSON, with utoipa's serialisation slips corrected.
fn document_value() -> serde_json::Value {
    let (_, mut doc) = api_app();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    let mut value = serde_json::to_value(&doc).unwrap_or_default();
    camel_case_links(&mut value);
    unique_operation_ids(&mut value);
    value
}

/// An operation declared for several methods at once (`forward_auth`, any
/// method) gets its id once per method from utoipa; OpenAPI wants each id
/// unique, so each becomes `<id>_<method>`.
fn unique_operation_ids(doc: &mut serde_json::Value) {
    let Some(paths) = doc.get_mut("paths").and_then(|p| p.as_object_mut()) else {
        return;
    };
    for item in paths.values_mut().filter_map(|i| i.as_object_mut()) {
        let mut count = std::collections::HashMap::<String, usize>::new();
        for op in item.values() {
            if let Some(id) = op.get("operationId").and_then(|v| v.as_str()) {
                *count.entry(id.to_owned()).or_default() += 1;
            }
        }
        for (method, op) in item.iter_mut() {
            let Some(id) = op.get("operationId").and_then(|v| v.as_str()) else {
                continue;
            };
            if count.get(id).is_some_and(|n| *n > 1) {
                op["operationId"] = serde_json::Value::String(format!("{id}_{method}"));
            }
        }
    }
}

/// utoipa 5.5 writes a Link's `operationId`/`operationRef` in snake case;
/// OpenAPI (and every tool that follows links) wants camel case.
fn camel_case_links(doc: &mut serde_json::Value) {
    let Some(paths) = doc.get_mut("paths").and_then(|p| p.as_object_mut()) else {
        return;
    };
    let responses = paths
        .values_mut()
        .filter_map(|item| item.as_object_mut())
        .flat_map(|item| item.values_mut())
        .filter_map(|op| op.get_mut("responses").and_then(|r| r.as_object_mut()))
        .flat_map(|r| r.values_mut());
    for response in responses {
        let Some(links) = response.get_mut("links").and_then(|l| l.as_object_mut()) else {
            continue;
        };
        for link in links.values_mut().filter_map(|l| l.as_object_mut()) {
            for (snake, camel) in [
                ("operation_id", "operationId"),
                ("operation_ref", "operationRef"),
            ] {
                if let Some(v) = link.remove(snake) {
                    link.insert(camel.to_owned(), v);
                }
            }
        }
    }
}

/// Every documented path pattern (`/api/v1/api-keys/{id}`) with its methods,
/// uppercase: what a 405 answer lists in `Allow`.
pub fn allowed_methods() -> Vec<(String, Vec<String>)> {
    let value = document_value();
    let Some(paths) = value.get("paths").and_then(|p| p.as_object()) else {
        return Vec::new();
    };
    paths
        .iter()
        .map(|(path, item)| {
            let methods = item
                .as_object()
                .map(|ops| ops.keys().map(|m| m.to_ascii_uppercase()).collect())
                .unwrap_or_default();
            (path.clone(), methods)
        })
        .collect()
}

/// The document, computed once at start-up and shared.
#[derive(Debug, Clone)]
pub struct DocumentJson(pub std::sync::Arc<String>);

async fn serve_document(doc: web::Data<DocumentJson>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(doc.0.as_str().to_owned())
}
