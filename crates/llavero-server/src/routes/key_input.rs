//! Key request bodies, read into validated values: the name, the scopes
//! (against the operator's catalogue), the networks and the expiry
//! (against the lifetime policy). Every refused field is reported at once,
//! each with its own code (`name_invalid`, `scopes_invalid`,
//! `allowed_cidrs_invalid`, `expires_at_invalid`).

use llavero_domain::KeyLimits;
use llavero_domain::{Cidrs, KeyName, Scopes, ValidationError};
use llavero_types::{CreateApiKey, FieldError, UpdateApiKey};

use crate::auth::Caller;
use crate::error::ApiError;
use llavero_app::configuration::KeyPolicy;
use llavero_app::usecases::key_changes::KeyChanges;
use llavero_app::usecases::key_policy::{expiry, limits_of, Grant};

/// What `caller` may grant: anything with a session, at most its own
/// limits with a key.
pub fn grant_of(caller: &Caller) -> Grant {
    match &caller.api_key {
        Some(key) => Grant::Key(limits_of(key)),
        None => Grant::Session,
    }
}

/// Collects each field's outcome, so one answer names every bad field.
#[derive(Default)]
struct Fields(Vec<FieldError>);

impl Fields {
    fn take<T>(&mut self, r: Result<T, ValidationError>) -> Option<T> {
        r.map_err(|e| {
            self.0.push(FieldError {
                field: e.field.to_owned(),
                message: e.message,
            })
        })
        .ok()
    }

    fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(self.0))
        }
    }
}

fn scopes(policy: &KeyPolicy, list: Option<&[String]>) -> Result<Scopes, ValidationError> {
    Scopes::parse(list, |name| policy.knows(name))
}

/// A creation body: the name and the key's limits.
pub fn create(policy: &KeyPolicy, body: CreateApiKey) -> Result<(KeyName, KeyLimits), ApiError> {
    let mut fields = Fields::default();
    let name = fields.take(KeyName::parse(&body.name));
    let scopes = fields.take(scopes(policy, body.scopes.as_deref()));
    let cidrs = fields.take(Cidrs::parse(&body.allowed_cidrs));
    let expires_at = fields.take(expiry(policy, body.expires_at, chrono::Utc::now()));
    fields.finish()?;
    match (name, scopes, cidrs, expires_at) {
        (Some(name), Some(scopes), Some(cidrs), Some(expires_at)) => Ok((
            name,
            KeyLimits {
                scopes,
                cidrs,
                expires_at,
            },
        )),
        _ => Err(ApiError::internal(anyhow::anyhow!(
            "a field failed without an error"
        ))),
    }
}

/// An update body: only the fields present; an empty one is refused.
pub fn update(policy: &KeyPolicy, body: UpdateApiKey) -> Result<KeyChanges, ApiError> {
    let mut fields = Fields::default();
    let mut changes = KeyChanges::default();
    if let Some(name) = &body.name {
        changes.name = fields.take(KeyName::parse(name));
    }
    if let Some(list) = &body.scopes {
        changes.scopes = fields.take(scopes(policy, list.as_deref()));
    }
    if let Some(list) = &body.allowed_cidrs {
        changes.cidrs = fields.take(Cidrs::parse(list));
    }
    if let Some(at) = body.expires_at {
        changes.expires_at = fields.take(expiry(policy, Some(at), chrono::Utc::now()));
    }
    fields.finish()?;
    if changes.is_empty() {
        return Err(ApiError::new(
            llavero_types::ErrorCode::NothingToChange,
            "send at least one of name, scopes, allowed_cidrs, expires_at",
        ));
    }
    Ok(changes)
}
