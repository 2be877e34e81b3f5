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

/// `data`: `ids` first, then who acted, then `extra` (an object) merged in.
fn data(ids: &[(&str, Uuid)], acting: &Acting, extra: Value) -> Value {
    let mut data: Map<String, Value> = ids
        .iter()
        .map(|(k, id)| ((*k).to_owned(), json!(id)))
        .collect();
    data.insert(
        "actor_id".into(),
        json!(acting.actor.as_ref().map(|a| a.id)),
    );
    if let Value::Object(more) = extra {
        data.extend(more);
    }
    Value::Object(data)
}

/// An event about key `key_id` of user `owner_id`.
pub(crate) fn key(
    kind: WebhookEventType,
    acting: &Acting,
    owner_id: Uuid,
    key_id: Uuid,
    extra: Value,
) -> OutboxEvent {
    OutboxEvent {
        kind,
        subject_id: Some(key_id),
        data: data(
            &[("api_key_id", key_id), ("user_id", owner_id)],
            acting,
            extra,
        ),
    }
}

/// An event about user `user_id`.
pub(crate) fn user(
    kind: WebhookEventType,
    acting: &Acting,
    user_id: Uuid,
    extra: Value,
) -> OutboxEvent {
    OutboxEvent {
        kind,
        subject_id: Some(user_id),
        data: data(&[("user_id", user_id)], acting, extra),
    }
}
