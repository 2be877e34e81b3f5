//! [`FoundKey`]: a key found by digest, as the verifier checks and caches it.
//!
//! The store's [`KeyLookup`] holds what is stored; a valid verdict answers
//! with wire types. The verifier makes them once, when the key is looked
//! up, and caches them with the parsed limits, so the hot path clones a
//! ready answer instead of formatting networks and scopes on every check
//! (as it did when the store made the wire key itself).

use chrono::{DateTime, Utc};
use llavero_domain::{Cidrs, Scopes};
use llavero_store::api_keys::KeyLookup;
use llavero_types::{ApiKey, User};

use crate::wire::{api_key_at, ToWire};

/// A key found by digest, with its owner, whatever its state.
#[derive(Debug, Clone)]
pub struct FoundKey {
    /// The key as answered when it was looked up.
    pub key: ApiKey,
    pub revoked: bool,
    pub owner: User,
    /// The key's scopes and networks, parsed once for every check.
    pub scopes: Scopes,
    pub cidrs: Cidrs,
    /// Set when the digest is the secret a roll replaced: it works until
    /// this instant.
    pub superseded_until: Option<DateTime<Utc>>,
}

impl FoundKey {
    /// `lookup` as looked up at `now`.
    pub fn at(lookup: KeyLookup, now: DateTime<Utc>) -> FoundKey {
        let KeyLookup {
            key,
            revoked,
            owner,
            superseded_until,
        } = lookup;
        FoundKey {
            scopes: key.scopes.clone(),
            cidrs: key.cidrs.clone(),
            key: api_key_at(key, now),
            revoked,
            owner: owner.to_wire(),
            superseded_until,
        }
    }
}
