//! The webhook events use cases write beside their activity events (into
//! the outbox, in the same transaction): what each type's `data` holds.
//!
//! `data` carries ids and non-secret facts only — never a key, a password
//! or a token — so a receiver that logs every payload leaks nothing.

use llavero_store::webhooks::OutboxEvent;
use llavero_types::WebhookEventType;
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::Acting;

/// An event about key `key_id` of user `owner_id`; `extra` (an object) is
/// merged into `data`.
pub(crate) fn key(
    kind: WebhookEventType,
    acting: &Acting,
    owner_id: Uuid,
    key_id: Uuid,
    extra: Value,
) -> OutboxEvent {
    let mut data = Map::new();
    data.insert("api_key_id".into(), json!(key_id));
    data.insert("user_id".into(), json!(owner_id));
    data.insert(
        "actor_id".into(),
        json!(acting.actor.as_ref().map(|a| a.id)),
    );
    if let Value::Object(more) = extra {
        data.extend(more);
    }
    OutboxEvent {
        kind,
        subject_id: Some(key_id),
        data: Value::Object(data),
    }
}

/// An event about user `user_id`; `extra` (an object) is merged into `data`.
pub(crate) fn user(
    kind: WebhookEventType,
    acting: &Acting,
    user_id: Uuid,
    extra: Value,
) -> OutboxEvent {
    let mut data = Map::new();
    data.insert("user_id".into(), json!(user_id));
    data.insert(
        "actor_id".into(),
        json!(acting.actor.as_ref().map(|a| a.id)),
    );
    if let Value::Object(more) = extra {
        data.extend(more);
    }
    OutboxEvent {
        kind,
        subject_id: Some(user_id),
        data: Value::Object(data),
    }
}
