//! `GET /api/v1/info`: public facts for the web app's header.

use actix_web::{get, web};
use llavero_types::{Info, InfoResponse, SignInMethod};

use crate::state::AppState;

/// Describe this installation
///
/// The API endpoint URL shown (with a copy icon) above the key list, the
/// product name, the server version, and how users sign in (a password,
/// the identity provider — whose name goes on the button — or either).
/// Needs no authentication.
#[utoipa::path(
    operation_id = "info_get",
    tag = "info",
    responses((status = 200, description = "Installation facts", body = InfoResponse))
)]
#[get("/info")]
#[tracing::instrument(skip_all)]
pub async fn info(state: web::Data<AppState>) -> web::Json<InfoResponse> {
    web::Json(InfoResponse {
        data: Info {
            api_endpoint: state.api_endpoint.clone(),
            brand: state.brand.clone(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            commit: env!("LLAVERO_COMMIT").to_owned(),
            key_max_lifetime_days: state.app.key_policy.max_lifetime_days,
            key_default_lifetime_days: state.app.key_policy.default_lifetime_days,
            sign_in_methods: [
                state.app.local_login.then_some(SignInMethod::Password),
                state.app.oidc.as_ref().map(|_| SignInMethod::Oidc),
            ]
            .into_iter()
            .flatten()
            .collect(),
            oidc_name: state.app.oidc.as_ref().map(|o| o.name().to_owned()),
        },
    })
}
