//! Absent versus null in request bodies: a `PATCH` changes only the fields
//! present, and for some fields null is itself a value (`scopes: null` is
//! "every privilege", `expires_at: null` is "never").

use serde::{Deserialize, Deserializer};

/// For `Option<Option<T>>` fields with `#[serde(default)]`: absent is
/// `None`, null is `Some(None)`, a value is `Some(Some(v))`.
pub fn double_option<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A list where null means empty.
pub fn null_as_empty<'de, T, D>(d: D) -> Result<Vec<T>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<Vec<T>>::deserialize(d).map(Option::unwrap_or_default)
}

/// A whole number, also when sent as `3600.0` (JSON Schema's `integer`
/// admits it; serde's `i64` would not). A fraction or a number beyond
/// `i64` reads as -1, which the handler's range check refuses with the
/// field's own code; a non-number is a type error.
pub fn whole_number<'de, D>(d: D) -> Result<i64, D::Error>
where
    D: Deserializer<'de>,
{
    struct Whole;
    impl serde::de::Visitor<'_> for Whole {
        type Value = i64;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a whole number")
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<i64, E> {
            Ok(v)
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<i64, E> {
            Ok(i64::try_from(v).unwrap_or(-1))
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<i64, E> {
            // i64::MAX as f64 rounds up to 2^63: keep strictly below it.
            if v.fract() == 0.0 && v >= i64::MIN as f64 && v < i64::MAX as f64 {
                Ok(v as i64)
            } else {
                Ok(-1)
            }
        }
    }
    d.deserialize_any(Whole)
}

#[cfg(test)]
mod tests {
    use crate::{RollApiKey, UpdateApiKey};

    #[test]
    fn whole_numbers_may_be_written_as_floats() {
        let roll = |s: &str| serde_json::from_str::<RollApiKey>(s).map(|r| r.grace_seconds);
        assert_eq!(roll(r#"{"grace_seconds": 3600}"#).ok(), Some(3600));
        assert_eq!(roll(r#"{"grace_seconds": 3600.0}"#).ok(), Some(3600));
        assert_eq!(roll(r#"{"grace_seconds": -1}"#).ok(), Some(-1));
        // Out of range, for the handler to refuse by field.
        assert_eq!(roll(r#"{"grace_seconds": 1.5}"#).ok(), Some(-1));
        assert_eq!(roll(r#"{"grace_seconds": 1e300}"#).ok(), Some(-1));
        assert_eq!(
            roll(r#"{"grace_seconds": 18446744073709551615}"#).ok(),
            Some(-1)
        );
        assert!(roll(r#"{"grace_seconds": "60"}"#).is_err());
    }

    #[test]
    fn absent_null_and_value_differ() {
        let absent: UpdateApiKey = serde_json::from_str("{}").unwrap();
        assert_eq!(absent.scopes, None);
        let null: UpdateApiKey = serde_json::from_str(r#"{"scopes": null}"#).unwrap();
        assert_eq!(null.scopes, Some(None));
        let some: UpdateApiKey = serde_json::from_str(r#"{"scopes": ["a"]}"#).unwrap();
        assert_eq!(some.scopes, Some(Some(vec!["a".to_owned()])));
        // And back: absent stays absent, null stays null.
        assert_eq!(serde_json::to_string(&absent).unwrap(), "{}");
        assert_eq!(serde_json::to_string(&null).unwrap(), r#"{"scopes":null}"#);
    }
}
