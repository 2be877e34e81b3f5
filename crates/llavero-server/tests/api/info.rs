//! `GET /info`, `/openapi.json` and unknown routes.

use crate::api_test;
use crate::helpers::{json, problem};

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

api_test! {
    async fn unknown_routes_answer_a_problem_with_a_request_id(app) {
        let res = reqwest::get(app.url("/nothing-here")).await.unwrap_or_else(|e| panic!("{e}"));
        assert!(res.headers().contains_key("x-request-id"));
        problem(res, 404).await;
    }
}
