//! The activity log: who did what, when, from where, with which key.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActivityAction {
    Login,
    LoginFailed,
    Logout,
    ApiKeyCreated,
    ApiKeyRenamed,
    ApiKeyRevoked,
    /// The key's scopes, networks or expiry changed.
    ApiKeyLimitsChanged,
    /// The key got a new secret (the old one may work for a grace period).
    ApiKeyRolled,
    /// The key was presented from an address it is not allowed from
    /// (recorded at most once a minute per key and replica).
    ApiKeyIpRefused,
    /// The key was used from an address it had not been used from before
    /// (`ip` is that address).
    KeyNewAddress,
    /// The key was revoked by the operator's policy for keys left unused
    /// (`LLAVERO_REVOKE_UNUSED_AFTER_DAYS`).
    ApiKeyRevokedUnused,
    /// The key was reported leaked (by GitHub's secret scanning or the
    /// operator's scanner) and revoked; `detail` says where it was found.
    ApiKeyLeaked,
    /// An admin added, changed or removed a webhook endpoint.
    WebhookCreated,
    WebhookUpdated,
    WebhookDeleted,
    UserCreated,
    UserUpdated,
    /// A user changed their own password.
    PasswordChanged,
    /// A user ended all of their sessions.
    LogoutEverywhere,
}

impl ActivityAction {
    /// The action's wire and storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityAction::Login => "login",
            ActivityAction::LoginFailed => "login_failed",
            ActivityAction::Logout => "logout",
            ActivityAction::ApiKeyCreated => "api_key_created",
            ActivityAction::ApiKeyRenamed => "api_key_renamed",
            ActivityAction::ApiKeyRevoked => "api_key_revoked",
            ActivityAction::ApiKeyLimitsChanged => "api_key_limits_changed",
            ActivityAction::ApiKeyRolled => "api_key_rolled",
            ActivityAction::ApiKeyIpRefused => "api_key_ip_refused",
            ActivityAction::KeyNewAddress => "key_new_address",
            ActivityAction::ApiKeyRevokedUnused => "api_key_revoked_unused",
            ActivityAction::ApiKeyLeaked => "api_key_leaked",
            ActivityAction::WebhookCreated => "webhook_created",
            ActivityAction::WebhookUpdated => "webhook_updated",
            ActivityAction::WebhookDeleted => "webhook_deleted",
            ActivityAction::UserCreated => "user_created",
            ActivityAction::UserUpdated => "user_updated",
            ActivityAction::PasswordChanged => "password_changed",
            ActivityAction::LogoutEverywhere => "logout_everywhere",
        }
    }

    /// Every action, for parsing stored names back.
    pub const ALL: [ActivityAction; 19] = [
        ActivityAction::Login,
        ActivityAction::LoginFailed,
        ActivityAction::Logout,
        ActivityAction::ApiKeyCreated,
        ActivityAction::ApiKeyRenamed,
        ActivityAction::ApiKeyRevoked,
        ActivityAction::ApiKeyLimitsChanged,
        ActivityAction::ApiKeyRolled,
        ActivityAction::ApiKeyIpRefused,
        ActivityAction::KeyNewAddress,
        ActivityAction::ApiKeyRevokedUnused,
        ActivityAction::ApiKeyLeaked,
        ActivityAction::WebhookCreated,
        ActivityAction::WebhookUpdated,
        ActivityAction::WebhookDeleted,
        ActivityAction::UserCreated,
        ActivityAction::UserUpdated,
        ActivityAction::PasswordChanged,
        ActivityAction::LogoutEverywhere,
    ];

    /// The action stored under `name`, if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == name)
    }
}

/// Who acted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Actor {
    pub id: Uuid,
    pub username: String,
}

/// The key an event names: its id, and its name and hint as they are now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyRef {
    pub id: Uuid,
    pub name: String,
    /// The key's last characters, as the key list shows them.
    pub hint: String,
}

/// One audit event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivityEvent {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub action: ActivityAction,
    /// Null only for a failed sign-in with an unknown username.
    pub actor: Option<Actor>,
    /// The client address the request came from.
    pub ip: Option<String>,
    /// The key that authenticated the request, when a key did.
    pub api_key_id: Option<Uuid>,
    /// That key's name and hint, when it still exists.
    pub api_key: Option<KeyRef>,
    /// What was acted on: `api_key`, `user`, `session` or `webhook`.
    pub target_type: Option<String>,
    pub target_id: Option<Uuid>,
    /// The target's name as it is now: a key's name or a user's username.
    pub target_name: Option<String>,
    /// A short human-readable detail (never a secret).
    pub detail: Option<String>,
}

/// `GET /activity` filters, besides the page.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ActivityFilter {
    /// Only events of this action.
    pub action: Option<ActivityAction>,
    /// Admins only: events this user caused, or that were about their keys
    /// or their account.
    pub user: Option<Uuid>,
}

/// One page of events, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivityList {
    pub data: Vec<ActivityEvent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_round_trips_through_its_name() {
        for action in ActivityAction::ALL {
            assert_eq!(ActivityAction::from_name(action.as_str()), Some(action));
            let json = serde_json::to_string(&action).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", action.as_str()));
        }
        assert_eq!(ActivityAction::from_name("nope"), None);
    }
}
