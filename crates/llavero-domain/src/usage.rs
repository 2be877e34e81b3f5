//! The rules about a key's use that do not depend on storage: how long usage
//! is kept, what "forgotten" means, and the kinds of use that are counted.

use chrono::{DateTime, Duration, NaiveDate, Utc};

/// Days of per-day counts (and of address history) kept.
pub const RETENTION_DAYS: i64 = 90;
/// A key unused this long (or never used and this old) is forgotten.
pub const FORGOTTEN_AFTER_DAYS: i64 = 90;
/// Most recent distinct addresses kept (and shown) per key.
pub const ADDRESSES_KEPT: usize = 50;

/// Whether a key created at `created` and last used at `last_used` has gone
/// unused for `days` as of `now`.
pub fn unused_for(
    created: DateTime<Utc>,
    last_used: Option<DateTime<Utc>>,
    days: i64,
    now: DateTime<Utc>,
) -> bool {
    last_used.unwrap_or(created) <= now - Duration::days(days)
}

/// Whether a key is forgotten (see [`FORGOTTEN_AFTER_DAYS`]).
pub fn is_forgotten(
    created: DateTime<Utc>,
    last_used: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    unused_for(created, last_used, FORGOTTEN_AFTER_DAYS, now)
}

/// The first UTC day still kept as of `now`.
pub fn first_kept_day(now: DateTime<Utc>) -> NaiveDate {
    now.date_naive() - Duration::days(RETENTION_DAYS - 1)
}

/// What happened when a key was presented: a use, or a refusal of a known
/// key by reason. The index of each is its column in the per-day counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    Used,
    Revoked,
    Expired,
    UserDisabled,
    IpNotAllowed,
    ScopeMissing,
}

impl Outcome {
    /// Every outcome, in column order.
    pub const ALL: [Outcome; 6] = [
        Outcome::Used,
        Outcome::Revoked,
        Outcome::Expired,
        Outcome::UserDisabled,
        Outcome::IpNotAllowed,
        Outcome::ScopeMissing,
    ];

    /// Its position in [`Outcome::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The `/verify` code of a refusal (`None` for a use).
    pub fn code(self) -> Option<&'static str> {
        match self {
            Outcome::Used => None,
            Outcome::Revoked => Some("REVOKED"),
            Outcome::Expired => Some("EXPIRED"),
            Outcome::UserDisabled => Some("USER_DISABLED"),
            Outcome::IpNotAllowed => Some("IP_NOT_ALLOWED"),
            Outcome::ScopeMissing => Some("SCOPE_MISSING"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn forgotten_counts_from_the_last_use_or_else_the_creation() {
        let now = at("2026-11-27T12:00:00Z");
        let cases = [
            // (created, last used, forgotten)
            ("2026-01-01T00:00:00Z", None, true),
            ("2026-11-01T00:00:00Z", None, false),
            ("2026-01-01T00:00:00Z", Some("2026-11-26T00:00:00Z"), false),
            ("2026-01-01T00:00:00Z", Some("2026-08-29T12:00:00Z"), true),
            ("2026-01-01T00:00:00Z", Some("2026-08-29T12:00:01Z"), false),
        ];
        for (created, used, expected) in cases {
            assert_eq!(
                is_forgotten(at(created), used.map(at), now),
                expected,
                "{created} {used:?}"
            );
        }
    }

    #[test]
    fn ninety_days_are_kept_counting_today() {
        let now = at("2026-11-27T23:59:59Z");
        assert_eq!(first_kept_day(now), "2026-08-30".parse().unwrap());
    }

    #[test]
    fn outcomes_index_their_columns_in_order() {
        for (i, o) in Outcome::ALL.into_iter().enumerate() {
            assert_eq!(o.index(), i);
        }
        assert_eq!(Outcome::Used.code(), None);
        assert_eq!(Outcome::ScopeMissing.code(), Some("SCOPE_MISSING"));
    }
}
