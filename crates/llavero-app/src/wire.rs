//! The store's records as the API's wire types: the one place where what
//! is stored becomes what is answered.
//!
//! `llavero-store` returns records of its own (`UserRow`, `ApiKeyRow`,
//! `ActivityRow`, …) and knows nothing of the JSON shapes in
//! `llavero-types`; use cases convert before they answer, and handlers that
//! read the store directly convert with [`ToWire`] before they answer. Both
//! sides are foreign to this crate, so the conversion is a trait of ours
//! rather than `From`. A new wire field is then added here and in
//! `llavero-types`, never in a query.
//!
//! What the wire computes rather than stores is computed here, at the time
//! of the answer ([`api_key_at`]): whether a key is `forgotten`, and
//! whether its previous secret still works (`previous_secret_expires_at`,
//! shown only until then); a usage day's refusals by their `/verify` code.
//! The store keeps what it owns: the names of an event's key and target
//! (one query for the page) and a user's count of working keys.

use chrono::{DateTime, Utc};
use llavero_domain::usage::{is_forgotten, Outcome};
use llavero_store::activity::{ActivityRow, KeyLabel, UserRef};
use llavero_store::api_keys::ApiKeyRow;
use llavero_store::usage::{KeyUsageRecord, UsageAddressRow, UsageDayRow};
use llavero_store::users::{UserRow, UserSummaryRow};
use llavero_store::webhook_deliveries::DeliveryRecord;
use llavero_store::webhooks::EndpointRecord;
use llavero_store::Page;
use llavero_types::{
    ActivityEvent, Actor, ApiKey, KeyRef, KeyUsage, UsageAddress, UsageDay, User, UserSummary,
    WebhookDelivery, WebhookEndpoint,
};

/// A record of the store as the API shows it.
pub trait ToWire {
    /// The wire type.
    type Wire;

    /// The record as it goes on the wire.
    fn to_wire(self) -> Self::Wire;
}

impl<T: ToWire> ToWire for Option<T> {
    type Wire = Option<T::Wire>;

    fn to_wire(self) -> Self::Wire {
        self.map(ToWire::to_wire)
    }
}

impl<T: ToWire> ToWire for Vec<T> {
    type Wire = Vec<T::Wire>;

    fn to_wire(self) -> Self::Wire {
        self.into_iter().map(ToWire::to_wire).collect()
    }
}

/// A page keeps its cursor; its items are converted.
impl<T: ToWire> ToWire for Page<T> {
    type Wire = Page<T::Wire>;

    fn to_wire(self) -> Self::Wire {
        Page {
            items: self.items.to_wire(),
            next: self.next,
        }
    }
}

impl ToWire for UserRow {
    type Wire = User;

    fn to_wire(self) -> User {
        User {
            id: self.id,
            username: self.username,
            role: self.role,
            disabled: self.disabled,
            oidc: self.oidc,
            created_at: self.created_at,
        }
    }
}

impl ToWire for UserSummaryRow {
    type Wire = UserSummary;

    fn to_wire(self) -> UserSummary {
        let user = self.user;
        UserSummary {
            id: user.id,
            username: user.username,
            role: user.role,
            disabled: user.disabled,
            oidc: user.oidc,
            created_at: user.created_at,
            active_keys: self.active_keys,
        }
    }
}

/// A key as answered now (see [`api_key_at`]).
impl ToWire for ApiKeyRow {
    type Wire = ApiKey;

    fn to_wire(self) -> ApiKey {
        api_key_at(self, llavero_store::now())
    }
}

/// Key `row` as answered at `now`: `forgotten` if unused for the
/// domain's span, and the previous secret's end shown only while that
/// secret still works.
pub fn api_key_at(row: ApiKeyRow, now: DateTime<Utc>) -> ApiKey {
    ApiKey {
        forgotten: is_forgotten(row.created_at, row.last_used_at, now),
        scopes: row.scopes.to_list(),
        allowed_cidrs: row.cidrs.to_list(),
        previous_secret_expires_at: row.previous_valid_until.filter(|at| *at > now),
        id: row.id,
        name: row.name,
        hint: row.hint,
        created_at: row.created_at,
        last_used_at: row.last_used_at,
        last_used_ip: row.last_used_ip,
        expires_at: row.expires_at,
    }
}

impl ToWire for UserRef {
    type Wire = Actor;

    fn to_wire(self) -> Actor {
        Actor {
            id: self.id,
            username: self.username,
        }
    }
}

impl ToWire for KeyLabel {
    type Wire = KeyRef;

    fn to_wire(self) -> KeyRef {
        KeyRef {
            id: self.id,
            name: self.name,
            hint: self.hint,
        }
    }
}

impl ToWire for ActivityRow {
    type Wire = ActivityEvent;

    fn to_wire(self) -> ActivityEvent {
        ActivityEvent {
            id: self.id,
            at: self.at,
            action: self.action,
            actor: self.actor.to_wire(),
            ip: self.ip,
            api_key_id: self.api_key_id,
            api_key: self.api_key.to_wire(),
            target_type: self.target_type,
            target_id: self.target_id,
            target_name: self.target_name,
            detail: self.detail,
        }
    }
}

/// A day's refusals are named by their `/verify` code, and only those
/// that happened are listed.
impl ToWire for UsageDayRow {
    type Wire = UsageDay;

    fn to_wire(self) -> UsageDay {
        let refused = Outcome::ALL
            .into_iter()
            .filter_map(|outcome| {
                let n = self.counts[outcome.index()];
                outcome
                    .code()
                    .filter(|_| n > 0)
                    .map(|code| (code.to_owned(), n))
            })
            .collect();
        UsageDay {
            date: self.day,
            uses: self.counts[Outcome::Used.index()],
            refused,
        }
    }
}

impl ToWire for UsageAddressRow {
    type Wire = UsageAddress;

    fn to_wire(self) -> UsageAddress {
        UsageAddress {
            ip: self.ip,
            first_seen: self.first_seen,
            last_seen: self.last_seen,
            uses: self.uses,
        }
    }
}

impl ToWire for KeyUsageRecord {
    type Wire = KeyUsage;

    fn to_wire(self) -> KeyUsage {
        KeyUsage {
            days: self.days.to_wire(),
            addresses: self.addresses.to_wire(),
        }
    }
}

impl ToWire for EndpointRecord {
    type Wire = WebhookEndpoint;

    fn to_wire(self) -> WebhookEndpoint {
        WebhookEndpoint {
            id: self.id,
            url: self.url,
            events: self.events,
            enabled: self.enabled,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

impl ToWire for DeliveryRecord {
    type Wire = WebhookDelivery;

    fn to_wire(self) -> WebhookDelivery {
        WebhookDelivery {
            id: self.id,
            event_id: self.event_id,
            event_type: self.event_type,
            status: self.status,
            attempts: self.attempts,
            response_status: self.response_status,
            error: self.error,
            created_at: self.created_at,
            next_attempt_at: self.next_attempt_at,
            delivered_at: self.delivered_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn key_row() -> ApiKeyRow {
        ApiKeyRow {
            id: uuid::Uuid::now_v7(),
            name: "ci".into(),
            hint: "mco_…abcd".into(),
            created_at: at("2026-01-01T00:00:00Z"),
            expires_at: None,
            last_used_at: None,
            last_used_ip: None,
            scopes: llavero_domain::Scopes::Only(vec!["dns:edit".into()]),
            cidrs: llavero_domain::Cidrs::from_stored(Some("10.0.0.0/8")),
            previous_valid_until: Some(at("2026-01-02T00:00:00Z")),
        }
    }

    #[test]
    fn a_key_shows_its_previous_secret_only_while_it_works() {
        let before = api_key_at(key_row(), at("2026-01-01T12:00:00Z"));
        assert_eq!(
            before.previous_secret_expires_at,
            Some(at("2026-01-02T00:00:00Z"))
        );
        assert_eq!(before.scopes, Some(vec!["dns:edit".to_owned()]));
        assert_eq!(before.allowed_cidrs, ["10.0.0.0/8"]);
        assert!(!before.forgotten);
        let after = api_key_at(key_row(), at("2026-01-02T00:00:00Z"));
        assert_eq!(after.previous_secret_expires_at, None);
        assert!(api_key_at(key_row(), at("2026-12-01T00:00:00Z")).forgotten);
    }

    #[test]
    fn a_usage_day_names_only_the_refusals_that_happened() {
        let day = UsageDayRow {
            day: "2026-03-01".parse().unwrap(),
            counts: [7, 0, 2, 0, 0, 1],
        }
        .to_wire();
        assert_eq!(day.uses, 7);
        assert_eq!(
            day.refused.into_iter().collect::<Vec<_>>(),
            [("EXPIRED".to_owned(), 2), ("SCOPE_MISSING".to_owned(), 1)]
        );
    }
}
