//! Checking a presented API key: offline format first, then one lookup by
//! digest. Shared by request authentication and `POST /verify`, so both give
//! the same verdict for the same key.

use llavero_domain::{key, KeyHash};
use llavero_store::api_keys::KeyLookup;
use llavero_store::{now, StoreError};
use llavero_types::VerifyCode;

use crate::state::AppState;

/// The verdict on `raw`, with what was found (if anything).
///
/// A malformed key is refused before any database work.
pub async fn check_key(
    state: &AppState,
    raw: &str,
) -> Result<(VerifyCode, Option<KeyLookup>), StoreError> {
    let Ok(parsed) = key::parse(&state.key_prefix, raw) else {
        return Ok((VerifyCode::Malformed, None));
    };
    let hash = KeyHash::of(&state.pepper, &parsed);
    let Some(found) = state.store.api_key_lookup(&hash).await? else {
        return Ok((VerifyCode::NotFound, None));
    };
    let code = if found.revoked {
        VerifyCode::Revoked
    } else if found.key.expires_at.is_some_and(|at| at <= now()) {
        VerifyCode::Expired
    } else if found.owner.user.disabled {
        VerifyCode::UserDisabled
    } else {
        VerifyCode::Valid
    };
    Ok((code, Some(found)))
}

/// Checks `raw` and, when valid, records this use (time and `ip`).
///
/// The returned key already shows this use.
pub async fn use_key(
    state: &AppState,
    raw: &str,
    ip: Option<&str>,
) -> Result<Result<KeyLookup, VerifyCode>, StoreError> {
    match check_key(state, raw).await? {
        (VerifyCode::Valid, Some(mut found)) => {
            let at = now();
            state.store.api_key_record_use(found.key.id, at, ip).await?;
            found.key.last_used_at = Some(at);
            found.key.last_used_ip = ip.map(str::to_owned);
            Ok(Ok(found))
        }
        (code, _) => Ok(Err(code)),
    }
}
