//! The committed OpenAPI document stays true to the code.

use crate::api_test;

const COMMITTED: &str = include_str!("../../../../openapi/llavero.json");

#[test]
fn committed_document_matches_the_code() {
    let generated = llavero_server::openapi::document_json();
    assert!(
        generated == COMMITTED,
        "openapi/llavero.json is stale: run `just openapi` and commit the result"
    );
}

#[test]
fn every_operation_has_a_resource_verb_id_a_tag_and_a_summary() {
    let doc: serde_json::Value = serde_json::from_str(COMMITTED).unwrap_or_default();
    let paths = doc["paths"].as_object().cloned().unwrap_or_default();
    assert!(paths.len() >= 10, "too few paths: {}", paths.len());
    for (path, ops) in paths {
        for (method, op) in ops.as_object().cloned().unwrap_or_default() {
            let id = op["operationId"].as_str().unwrap_or("");
            assert!(id.contains('_'), "{method} {path}: operationId {id:?}");
            assert_eq!(
                op["tags"].as_array().map(Vec::len),
                Some(1),
                "{method} {path}"
            );
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{method} {path}"
            );
        }
    }
}

api_test! {
    async fn the_served_document_is_the_committed_one(app) {
        let res = reqwest::get(app.url("/openapi.json")).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(res.status(), 200);
        assert_eq!(res.text().await.unwrap_or_default(), COMMITTED);
    }
}

#[test]
fn links_name_their_target_operation_in_camel_case() {
    // Found by schemathesis: utoipa wrote `operation_id`, which no tool reads.
    let doc: serde_json::Value = serde_json::from_str(COMMITTED).unwrap_or_default();
    let links = &doc["paths"]["/api/v1/api-keys"]["post"]["responses"]["201"]["links"];
    for name in ["GetKey", "UpdateKey", "RollKey", "RevokeKey"] {
        assert!(links[name]["operationId"].is_string(), "{name}: {links}");
        assert!(links[name].get("operation_id").is_none());
    }
    // Every link names an operation that exists (a renamed operation once
    // left a link behind, found by schemathesis).
    let paths = doc["paths"].as_object().cloned().unwrap_or_default();
    let operations: Vec<&str> = paths
        .values()
        .filter_map(|item| item.as_object())
        .flat_map(|item| item.values())
        .filter_map(|op| op["operationId"].as_str())
        .collect();
    let mut targets = 0;
    for item in paths.values().filter_map(|item| item.as_object()) {
        for op in item.values() {
            for response in op["responses"]
                .as_object()
                .into_iter()
                .flat_map(|r| r.values())
            {
                for link in response["links"]
                    .as_object()
                    .into_iter()
                    .flat_map(|l| l.values())
                {
                    let target = link["operationId"].as_str().unwrap_or_default();
                    assert!(
                        operations.contains(&target),
                        "a link names no operation: {target}"
                    );
                    targets += 1;
                }
            }
        }
    }
    assert!(targets >= 7, "{targets} links");
    assert_eq!(
        doc["paths"]["/api/v1/users"]["post"]["responses"]["201"]["links"]["ListUserKeys"]
            ["operationId"],
        "user_api_key_list"
    );
}
