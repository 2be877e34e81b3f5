//! The problem answers many operations share, added to the document once
//! here instead of in each handler's `#[utoipa::path]`: they follow from
//! what an operation is (signed in, takes a JSON body, names a resource by
//! id), not from what it does. A handler still lists its own answers, and
//! one it lists is kept as written (a more precise description wins).

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{ContentBuilder, OpenApi as Document, Ref, RefOr, ResponseBuilder};

use super::operations;

/// Operations whose body is read raw (signed bytes), not as JSON.
const RAW_BODY: &[&str] = &["/api/v1/leaks/github"];

/// A problem answer described by `description` (more may be added).
pub(super) fn problem(description: &str) -> ResponseBuilder {
    ResponseBuilder::new().description(description).content(
        "application/problem+json",
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Problem")))
            .build(),
    )
}

/// Adds `description` as the `status` answer of `op` unless it has one.
fn add(op: &mut Operation, status: &str, description: &str) {
    op.responses
        .responses
        .entry(status.to_owned())
        .or_insert_with(|| RefOr::T(problem(description).build()));
}

/// Whether `op` may be called by a signed-in user (a session).
fn takes_session(op: &Operation) -> bool {
    op.security.iter().flatten().any(|req| {
        serde_json::to_value(req)
            .unwrap_or_default()
            .get("session_cookie")
            .is_some()
    })
}

/// The names of `op`'s path parameters that are ids (UUIDs).
fn ids(op: &Operation) -> usize {
    op.parameters
        .iter()
        .flatten()
        .filter(|p| matches!(p.parameter_in, ParameterIn::Path))
        .filter(|p| p.name == "id" || p.name.ends_with("_id"))
        .count()
}

/// Whether `op` reads a JSON body.
fn takes_json(path: &str, op: &Operation) -> bool {
    !RAW_BODY.contains(&path)
        && op
            .request_body
            .as_ref()
            .is_some_and(|b| b.content.contains_key("application/json"))
}

/// The tags whose every operation is for admins.
const ADMIN_TAGS: &[&str] = &["users", "webhooks"];

/// What a path under each resource answers when its `{id}` names none.
const NOT_FOUND: &[(&str, &str)] = &[
    ("/api/v1/api-keys/{id}", "No such key of the caller's"),
    ("/api/v1/users/{id}", "No such user"),
    ("/api/v1/webhooks/{id}", "No such endpoint"),
];

/// Every operation a session may call answers 401 without one; one that
/// reads a JSON body answers 400 (malformed), 413 (over the limit) and 415
/// (not JSON); one that names resources by id answers 400 to an id that
/// is not a UUID, and 404 to one that names nothing; one for admins
/// answers 403 to anyone else.
pub(super) fn add_shared_problems(doc: &mut Document) {
    for (path, item) in doc.paths.paths.iter_mut() {
        let missing = NOT_FOUND
            .iter()
            .find(|(prefix, _)| path.starts_with(prefix))
            .map(|(_, description)| *description);
        for op in operations(item) {
            if op
                .tags
                .iter()
                .flatten()
                .any(|t| ADMIN_TAGS.contains(&t.as_str()))
            {
                add(op, "403", "Not an admin");
            }
            if let Some(description) = missing {
                add(op, "404", description);
            }
            if takes_session(op) {
                add(op, "401", "Not authenticated");
            }
            let ids = ids(op);
            if takes_json(path, op) {
                let malformed = if ids > 0 {
                    "Malformed JSON or id"
                } else {
                    "Malformed JSON"
                };
                add(op, "400", malformed);
                add(op, "413", "Body too large");
                add(op, "415", "Not sent as application/json");
            }
            match ids {
                0 => {}
                1 => add(op, "400", "The id is not a UUID"),
                _ => add(op, "400", "An id is not a UUID"),
            }
        }
    }
}
