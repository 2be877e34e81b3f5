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

#[cfg(test)]
mod tests {
    use crate::UpdateApiKey;

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
