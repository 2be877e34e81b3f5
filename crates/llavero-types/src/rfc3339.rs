//! Timestamps written as RFC 3339 text without `core::fmt`.
//!
//! chrono serializes a `DateTime` through `Display` into serde's
//! `collect_str`, so every timestamp of an answer pays the formatting
//! machinery and an escaping pass per written fragment: under `perf`, 3 %
//! of a hot verification (three timestamps in its answer) and more of a list
//! page (up to four per key). Here the same text — chrono's own form,
//! `SecondsFormat::AutoSi` with `Z` — is written into a stack buffer and
//! handed to serde as one string. Anything outside what that covers (a year
//! outside 0–9999, a leap second) falls back to chrono, so the output is
//! always chrono's; a test compares the two. No crate does this without a
//! `Display` in between (humantime's `format_rfc3339` is one), which is the
//! cost this removes.

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::{Serialize, Serializer};

/// `serialize_with` for a `DateTime<Utc>`.
pub fn serialize<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    let mut buf = [0u8; 30];
    match write(at, &mut buf) {
        // Only ASCII digits and separators were written.
        Some(len) => serializer.serialize_str(std::str::from_utf8(&buf[..len]).unwrap_or_default()),
        None => at.serialize(serializer),
    }
}

/// `serialize_with` for an `Option<DateTime<Utc>>`.
pub mod option {
    use super::*;

    pub fn serialize<S: Serializer>(
        at: &Option<DateTime<Utc>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => super::serialize(at, serializer),
            None => serializer.serialize_none(),
        }
    }
}

/// Writes `at` as `YYYY-MM-DDTHH:MM:SS[.fff|.ffffff|.fffffffff]Z` and returns
/// its length, or `None` where chrono must write it.
fn write(at: &DateTime<Utc>, buf: &mut [u8; 30]) -> Option<usize> {
    let year = at.year();
    let nanos = at.nanosecond();
    if !(0..=9999).contains(&year) || nanos >= 1_000_000_000 {
        return None;
    }
    let mut len = 0;
    let mut put = |value: u32, digits: u32, after: Option<u8>| {
        for i in (0..digits).rev() {
            buf[len] = b'0' + (value / 10u32.pow(i) % 10) as u8;
            len += 1;
        }
        if let Some(sep) = after {
            buf[len] = sep;
            len += 1;
        }
    };
    put(year as u32, 4, Some(b'-'));
    put(at.month(), 2, Some(b'-'));
    put(at.day(), 2, Some(b'T'));
    put(at.hour(), 2, Some(b':'));
    put(at.minute(), 2, Some(b':'));
    let (fraction, digits) = if nanos == 0 {
        (0, 0)
    } else if nanos.is_multiple_of(1_000_000) {
        (nanos / 1_000_000, 3)
    } else if nanos.is_multiple_of(1_000) {
        (nanos / 1_000, 6)
    } else {
        (nanos, 9)
    };
    if digits == 0 {
        put(at.second(), 2, Some(b'Z'));
    } else {
        put(at.second(), 2, Some(b'.'));
        put(fraction, digits, Some(b'Z'));
    }
    Some(len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[derive(Serialize)]
    struct Ours(#[serde(serialize_with = "serialize")] DateTime<Utc>);

    #[test]
    fn writes_what_chrono_writes() {
        let mut seconds: i64 = 0;
        let mut checked = 0;
        // Instants from 1970 to 9999, every fraction form, leap days included.
        while seconds < 253_402_300_799 {
            for nanos in [
                0,
                7_000_000,
                120_000,
                123_456_000,
                1,
                999_999_999,
                500_000_000,
            ] {
                let at = Utc.timestamp_opt(seconds, nanos).single().unwrap();
                let chrono_text = serde_json::to_string(&at).unwrap();
                assert_eq!(serde_json::to_string(&Ours(at)).unwrap(), chrono_text);
                checked += 1;
            }
            seconds += 86_399 * 181 + 12_345;
        }
        assert!(checked > 5_000, "{checked}");
        // A leap second and a year past 9999 go through chrono itself.
        let leap = Utc
            .timestamp_opt(1_483_228_799, 1_500_000_000)
            .single()
            .unwrap();
        assert_eq!(
            serde_json::to_string(&Ours(leap)).unwrap(),
            serde_json::to_string(&leap).unwrap()
        );
        let far = Utc
            .with_ymd_and_hms(12_000, 1, 1, 0, 0, 0)
            .single()
            .unwrap();
        assert_eq!(
            serde_json::to_string(&Ours(far)).unwrap(),
            serde_json::to_string(&far).unwrap()
        );
    }
}
