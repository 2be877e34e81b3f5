//! The wire types of the Llavero HTTP API (v1).
//!
//! Everything a client sends or receives is defined here, once, so that the
//! server, the web app and the committed OpenAPI document cannot drift apart.
//! This crate knows nothing of HTTP frameworks, storage or cryptography; it is
//! plain data with serde (and, behind the `openapi` feature, utoipa schemas).
//!
//! Conventions: single objects and lists travel wrapped as `{"data": ...}`;
//! lists carry an opaque `next_cursor` (absent on the last page); timestamps
//! are RFC 3339 in UTC; ids are UUIDs.

mod activity;
mod auth;
mod info;
mod keys;
mod leaks;
pub mod patch;
mod problem;
mod rfc3339;
mod scopes;
mod usage;
mod users;
mod verify;
mod webhooks;

pub use activity::{ActivityAction, ActivityEvent, ActivityFilter, ActivityList, Actor, KeyRef};
pub use auth::{ChangePassword, LoginRequest, Me, MeResponse, SignedOut, SignedOutResponse};
pub use info::{Info, InfoResponse, SignInMethod};
pub use keys::{
    ApiKey, ApiKeyCreated, ApiKeyList, ApiKeyResponse, CreateApiKey, RollApiKey, UpdateApiKey,
};
pub use leaks::{LeakFeedback, LeakFeedbackList, LeakLabel, LeakReport};
pub use problem::{ErrorCode, FieldError, Problem};
pub use scopes::{Described, Scope, ScopeList};
pub use usage::{KeyUsage, KeyUsageResponse, UsageAddress, UsageDay};
pub use users::{CreateUser, Role, UpdateUser, User, UserList, UserResponse, UserSummary};
pub use verify::{VerifyCode, VerifyRequest, VerifyResponse, VerifyResult};
pub use webhooks::{
    CreateWebhook, DeliveryStatus, UpdateWebhook, WebhookCreated, WebhookDelivery,
    WebhookDeliveryList, WebhookDeliveryResponse, WebhookEndpoint, WebhookEventType, WebhookList,
    WebhookResponse,
};

/// Query parameters of every cursor-paginated list.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct PageQuery {
    /// How many items to return, 1 to 200 (default 50).
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 200))]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page; absent for the first page.
    pub cursor: Option<String>,
}
