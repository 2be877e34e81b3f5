//! Webhook endpoints and their deliveries (admin only), and the events
//! Llavero sends, per the Standard Webhooks specification.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What happened. Every delivery body is `{type, timestamp, data}`, `data`
/// holding the ids involved (never a secret).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum WebhookEventType {
    #[serde(rename = "key.created")]
    KeyCreated,
    /// Renamed, or its scopes, networks or expiry changed.
    #[serde(rename = "key.updated")]
    KeyUpdated,
    #[serde(rename = "key.rolled")]
    KeyRolled,
    /// Revoked by its owner, an admin, or the unused-keys policy (`reason`).
    #[serde(rename = "key.revoked")]
    KeyRevoked,
    /// The key expires within 7 days (sent once).
    #[serde(rename = "key.expiring")]
    KeyExpiring,
    #[serde(rename = "key.expired")]
    KeyExpired,
    /// The key was reported leaked and revoked.
    #[serde(rename = "key.leaked")]
    KeyLeaked,
    /// The key was used from an address it had not been used from.
    #[serde(rename = "key.new_address")]
    KeyNewAddress,
    #[serde(rename = "user.created")]
    UserCreated,
    /// Role or password changed, or re-enabled.
    #[serde(rename = "user.updated")]
    UserUpdated,
    /// Disabled: every key of the user stopped at once.
    #[serde(rename = "user.disabled")]
    UserDisabled,
    /// Sent only by `POST /webhooks/{id}/test`, whatever the endpoint's
    /// `events`.
    #[serde(rename = "webhook.test")]
    WebhookTest,
}

impl WebhookEventType {
    /// Every type an endpoint can subscribe to (not `webhook.test`).
    pub const SUBSCRIBABLE: [WebhookEventType; 11] = [
        WebhookEventType::KeyCreated,
        WebhookEventType::KeyUpdated,
        WebhookEventType::KeyRolled,
        WebhookEventType::KeyRevoked,
        WebhookEventType::KeyExpiring,
        WebhookEventType::KeyExpired,
        WebhookEventType::KeyLeaked,
        WebhookEventType::KeyNewAddress,
        WebhookEventType::UserCreated,
        WebhookEventType::UserUpdated,
        WebhookEventType::UserDisabled,
    ];

    /// The wire name, e.g. `key.revoked`.
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookEventType::KeyCreated => "key.created",
            WebhookEventType::KeyUpdated => "key.updated",
            WebhookEventType::KeyRolled => "key.rolled",
            WebhookEventType::KeyRevoked => "key.revoked",
            WebhookEventType::KeyExpiring => "key.expiring",
            WebhookEventType::KeyExpired => "key.expired",
            WebhookEventType::KeyLeaked => "key.leaked",
            WebhookEventType::KeyNewAddress => "key.new_address",
            WebhookEventType::UserCreated => "user.created",
            WebhookEventType::UserUpdated => "user.updated",
            WebhookEventType::UserDisabled => "user.disabled",
            WebhookEventType::WebhookTest => "webhook.test",
        }
    }

    /// Parses a wire name.
    pub fn from_name(name: &str) -> Option<WebhookEventType> {
        Self::SUBSCRIBABLE
            .into_iter()
            .chain([WebhookEventType::WebhookTest])
            .find(|t| t.as_str() == name)
    }
}

/// A webhook endpoint (its secret is shown only when it is created).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEndpoint {
    pub id: Uuid,
    /// Where deliveries are POSTed.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "https://hooks.example.com/llavero")
    )]
    pub url: String,
    /// The event types sent here; null: every event.
    pub events: Option<Vec<WebhookEventType>>,
    /// A disabled endpoint gets no new deliveries.
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// `POST /api/v1/webhooks` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    /// `https://…`; `http://` only to loopback unless the operator sets
    /// `LLAVERO_WEBHOOK_ALLOW_HTTP`. Never link-local or metadata
    /// addresses, never credentials in the URL.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "https://hooks.example.com/llavero", max_length = 2048)
    )]
    pub url: String,
    /// Event types to send (see `WebhookEventType`, except `webhook.test`);
    /// absent or null: every event.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<WebhookEventType>>, min_items = 1))]
    pub events: Option<Vec<String>>,
}

/// `PATCH /api/v1/webhooks/{id}` body: only the fields present change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhook {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// A list of event types; null: every event.
    #[serde(
        default,
        deserialize_with = "crate::patch::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<WebhookEventType>>, min_items = 1))]
    pub events: Option<Option<Vec<String>>>,
    /// false: no new deliveries; pending ones end as `failed` ("the
    /// endpoint was disabled") rather than arrive stale later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// `POST /webhooks` answer: the endpoint and its signing secret, this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookCreated {
    pub data: WebhookEndpoint,
    /// `whsec_…`: verify deliveries with it (any Standard Webhooks library).
    /// Shown only now; Llavero cannot show it again.
    pub secret: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookResponse {
    pub data: WebhookEndpoint,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookList {
    pub data: Vec<WebhookEndpoint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Not yet answered with a 2xx; tried again at `next_attempt_at`.
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// No 2xx within 24 hours; not tried again.
    Failed,
}

/// One event's delivery to one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDelivery {
    pub id: Uuid,
    /// The event's id: the `webhook-id` header (`msg_<id without dashes>`).
    pub event_id: Uuid,
    pub event_type: WebhookEventType,
    pub status: DeliveryStatus,
    pub attempts: u32,
    /// The HTTP status of the last attempt, if one was answered.
    pub response_status: Option<u16>,
    /// Why the last attempt failed, if it did.
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDeliveryList {
    pub data: Vec<WebhookDelivery>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDeliveryResponse {
    pub data: WebhookDelivery,
}
