//! Checking a presented API key: offline format first, then the cache, then
//! a lookup by digest (batched with concurrent misses, see [`crate::lookup`]).
//! Shared by request authentication and `POST /verify`, so both give the same
//! verdict for the same key. Uses are recorded in the coalescing buffer, not
//! written per request.

use std::sync::Arc;

use llavero_domain::{key, KeyHash};
use llavero_store::api_keys::KeyLookup;
use llavero_store::{now, StoreError};
use llavero_types::{ApiKey, User, VerifyCode};

use crate::state::AppState;

/// The verdict on `raw`, with what was found (if anything).
///
/// A malformed key is refused before any cache or database work.
pub async fn check_key(
    state: &AppState,
    raw: &str,
) -> Result<(VerifyCode, Option<Arc<KeyLookup>>), StoreError> {
    let Ok(parsed) = key::parse(&state.key_prefix, raw) else {
        return Ok((VerifyCode::Malformed, None));
    };
    let hash = KeyHash::of(&state.pepper, &parsed);
    let found = match state.cache.get(&hash) {
        Some(hit) => hit,
        None => {
            let epoch = state.cache.epoch();
            let Some(found) = state.lookups.get(hash).await? else {
                return Ok((VerifyCode::NotFound, None));
            };
            state.cache.insert(&hash, &found, epoch);
            found
        }
    };
    let code = if found.revoked {
        VerifyCode::Revoked
    } else if found.key.expires_at.is_some_and(|at| at <= now()) {
        VerifyCode::Expired
    } else if found.owner.disabled {
        VerifyCode::UserDisabled
    } else {
        VerifyCode::Valid
    };
    Ok((code, Some(found)))
}

/// Checks `raw` and, when valid, records this use (time and `ip`): the
/// owner, and the key as it is after this use.
pub async fn use_key(
    state: &AppState,
    raw: &str,
    ip: Option<&str>,
) -> Result<Result<(User, ApiKey), VerifyCode>, StoreError> {
    match check_key(state, raw).await? {
        (VerifyCode::Valid, Some(found)) => {
            let at = now();
            state.usage.record(found.key.id, at, ip);
            let key = ApiKey {
                last_used_at: Some(at),
                last_used_ip: ip.map(str::to_owned),
                ..found.key.clone()
            };
            Ok(Ok((found.owner.clone(), key)))
        }
        (code, _) => Ok(Err(code)),
    }
}
