//! What a key change may set: expiry within the operator's lifetime policy,
//! and no more than the one asking holds.
//!
//! A signed-in user may give their keys anything (every key acts within its
//! owner's privileges anyway). A key granted `llavero:manage` may manage its
//! owner's keys, but never hand out more than it has itself — broader
//! scopes, wider networks or a later expiry — so it cannot be used to
//! escape its own limits, neither by creating a key nor by rolling one.

use chrono::{DateTime, Duration, Utc};
use llavero_domain::{Cidrs, KeyLimits, Scopes, ValidationError};

use crate::configuration::KeyPolicy;

/// How far past the maximum lifetime an expiry may fall: the web app turns
/// "90 days" into an instant a moment before the server reads it.
const SLACK: Duration = Duration::minutes(5);

/// The limits the caller may grant.
#[derive(Debug, Clone, Default)]
pub enum Grant {
    /// A signed-in user: anything within policy.
    #[default]
    Session,
    /// A key granted `llavero:manage`: at most its own limits.
    Key(KeyLimits),
}

/// Why a change asks for more than the caller holds.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BeyondGrant(pub &'static str);

impl Grant {
    /// Whether `limits` are within this grant.
    pub fn check(&self, limits: &KeyLimits) -> Result<(), BeyondGrant> {
        let Grant::Key(mine) = self else {
            return Ok(());
        };
        if !mine.scopes.covers(&limits.scopes) {
            return Err(BeyondGrant("a key can grant only scopes it holds itself"));
        }
        if !mine.cidrs.covers(&limits.cidrs) {
            return Err(BeyondGrant(
                "a key can grant only networks inside its own allowed_cidrs",
            ));
        }
        if let Some(own) = mine.expires_at {
            if limits.expires_at.is_none_or(|at| at > own) {
                return Err(BeyondGrant(
                    "a key cannot grant a lifetime longer than its own",
                ));
            }
        }
        Ok(())
    }
}

/// The limits of an existing key, as a grant or a base for a change.
pub fn limits_of(key: &llavero_types::ApiKey) -> KeyLimits {
    KeyLimits {
        scopes: match &key.scopes {
            None => Scopes::All,
            Some(list) => Scopes::Only(list.clone()),
        },
        // Unreadable limits grant nothing (never "anywhere").
        cidrs: Cidrs::parse(&key.allowed_cidrs).unwrap_or_else(|_| Cidrs::nowhere()),
        expires_at: key.expires_at,
    }
}

/// The expiry a key gets: `requested` is `None` when the creator named
/// none (the policy's default, else its maximum, else never), `Some(None)`
/// for never, `Some(Some(at))` for `at`.
pub fn expiry(
    policy: &KeyPolicy,
    requested: Option<Option<DateTime<Utc>>>,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, ValidationError> {
    let days = |d: u32| now + Duration::days(i64::from(d));
    let max = policy.max_lifetime_days;
    match requested {
        None => Ok(policy.default_lifetime_days.or(max).map(days)),
        Some(None) => match max {
            Some(limit) => Err(ValidationError::new(
                "expires_at",
                format!(
                    "is required: keys live at most {limit} days (LLAVERO_KEY_MAX_LIFETIME_DAYS)"
                ),
            )),
            None => Ok(None),
        },
        Some(Some(at)) => {
            if at <= now {
                return Err(ValidationError::new("expires_at", "must be in the future"));
            }
            if let Some(limit) = max {
                if at > days(limit) + SLACK {
                    return Err(ValidationError::new(
                        "expires_at",
                        format!(
                            "must be within {limit} days from now (LLAVERO_KEY_MAX_LIFETIME_DAYS)"
                        ),
                    ));
                }
            }
            Ok(Some(at))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(max: Option<u32>, default: Option<u32>) -> KeyPolicy {
        KeyPolicy {
            max_lifetime_days: max,
            default_lifetime_days: default,
            ..KeyPolicy::default()
        }
    }

    #[test]
    fn expiry_follows_the_policy() {
        let now = llavero_store::now();
        let open = policy(None, None);
        assert_eq!(expiry(&open, None, now).unwrap(), None);
        assert_eq!(expiry(&open, Some(None), now).unwrap(), None);
        let capped = policy(Some(90), Some(30));
        assert_eq!(
            expiry(&capped, None, now).unwrap(),
            Some(now + Duration::days(30))
        );
        assert_eq!(
            expiry(&policy(Some(90), None), None, now).unwrap(),
            Some(now + Duration::days(90))
        );
        let never = expiry(&capped, Some(None), now).unwrap_err();
        assert!(never.message.contains("90 days"), "{}", never.message);
        let far = expiry(&capped, Some(Some(now + Duration::days(91))), now).unwrap_err();
        assert!(far.message.contains("LLAVERO_KEY_MAX_LIFETIME_DAYS"));
        assert!(expiry(&capped, Some(Some(now + Duration::days(90))), now).is_ok());
        assert!(expiry(&open, Some(Some(now - Duration::seconds(1))), now).is_err());
    }

    #[test]
    fn a_key_grants_no_more_than_it_holds() {
        let now = llavero_store::now();
        let mine = KeyLimits {
            scopes: Scopes::Only(vec!["a".into(), "llavero:manage".into()]),
            cidrs: Cidrs::parse(&["10.0.0.0/8".into()]).unwrap(),
            expires_at: Some(now + Duration::days(10)),
        };
        let grant = Grant::Key(mine.clone());
        assert!(grant.check(&mine).is_ok());
        let broader = KeyLimits {
            scopes: Scopes::All,
            ..mine.clone()
        };
        assert!(grant.check(&broader).is_err());
        let anywhere = KeyLimits {
            cidrs: Cidrs::default(),
            ..mine.clone()
        };
        assert!(grant.check(&anywhere).is_err());
        let forever = KeyLimits {
            expires_at: None,
            ..mine.clone()
        };
        assert!(grant.check(&forever).is_err());
        assert!(Grant::Session.check(&broader).is_ok());
    }
}
