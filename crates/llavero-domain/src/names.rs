//! Validated values: the rules for bad input, in one place.
//!
//! A handler turns raw request strings into these types first; once it holds
//! a `KeyName` or a `Username`, every layer below can trust it.

use std::fmt;

use crate::secret::Secret;

/// A rejected field: which one, and a message fit to show a user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ValidationError {
    pub field: &'static str,
    pub message: String,
}

impl ValidationError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        ValidationError {
            field,
            message: message.into(),
        }
    }
}

/// Longest key name, in characters (not bytes), after trimming.
pub const KEY_NAME_MAX: usize = 100;

/// A key's name: trimmed, 1 to 100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyName(String);

impl KeyName {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(ValidationError::new("name", "must not be empty or blank"));
        }
        let chars = name.chars().count();
        if chars > KEY_NAME_MAX {
            return Err(ValidationError::new(
                "name",
                format!("must be at most {KEY_NAME_MAX} characters (got {chars})"),
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(ValidationError::new(
                "name",
                "must not contain control characters",
            ));
        }
        Ok(KeyName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Display for KeyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A username: 3 to 64 of `A-Z a-z 0-9 . _ - @`, compared case-insensitively
/// (stored lowercase) so `Ana` and `ana` cannot both exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let name = raw.trim();
        if !(3..=64).contains(&name.len()) {
            return Err(ValidationError::new(
                "username",
                "must be 3 to 64 characters long",
            ));
        }
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@');
        if !name.chars().all(allowed) {
            return Err(ValidationError::new(
                "username",
                "may contain only letters, digits, '.', '_', '-' and '@'",
            ));
        }
        Ok(Username(name.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Shortest password accepted (NIST SP 800-63B's floor).
pub const PASSWORD_MIN: usize = 8;
/// Longest password accepted, in characters: bounds the hashing work one
/// request can cause (at most 4 KiB of UTF-8).
pub const PASSWORD_MAX: usize = 1024;

/// Whether `raw` is within the longest password, measured as
/// [`Password::parse`] measures it — in characters — so that every password
/// that can be set can also be used to sign in. Sign-in and the password
/// change check this before any hashing work.
pub fn password_fits(raw: &str) -> bool {
    // Four bytes is the longest UTF-8 character: a longer text cannot fit,
    // and is refused without counting.
    raw.len() <= 4 * PASSWORD_MAX && raw.chars().count() <= PASSWORD_MAX
}

/// A new password that meets the policy. Never printed.
#[derive(Debug, Clone)]
pub struct Password(Secret<String>);

impl Password {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let chars = raw.chars().count();
        if chars < PASSWORD_MIN {
            return Err(ValidationError::new(
                "password",
                format!("must be at least {PASSWORD_MIN} characters long"),
            ));
        }
        if !password_fits(raw) {
            return Err(ValidationError::new(
                "password",
                format!("must be at most {PASSWORD_MAX} characters long"),
            ));
        }
        Ok(Password(Secret::new(raw.to_owned())))
    }

    pub fn expose(&self) -> &str {
        self.0.expose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_password_that_can_be_set_fits_sign_in() {
        for n in [8, 600, PASSWORD_MAX] {
            for c in ["a", "ñ", "€", "🔑"] {
                let p = c.repeat(n);
                assert!(Password::parse(&p).is_ok(), "{n} × {c}");
                assert!(password_fits(&p), "{n} × {c}");
            }
        }
        let over = "🔑".repeat(PASSWORD_MAX + 1);
        assert!(Password::parse(&over).is_err() && !password_fits(&over));
    }

    #[test]
    fn key_names_are_trimmed_and_bounded() {
        assert_eq!(
            KeyName::parse("  backup  ").map(|n| n.into_inner()),
            Ok("backup".into())
        );
        assert_eq!(
            KeyName::parse(&"ñ".repeat(100)).map(|n| n.as_str().chars().count()),
            Ok(100)
        );
        for bad in ["", "   ", "\t\n", "a\u{0}b", "line\nbreak"] {
            assert!(KeyName::parse(bad).is_err(), "{bad:?}");
        }
        let long = KeyName::parse(&"x".repeat(101));
        assert_eq!(long.map_err(|e| e.field), Err("name"));
    }

    #[test]
    fn usernames_are_lowercased_and_restricted() {
        assert_eq!(
            Username::parse("Ana.Perez@acme").map(|u| u.0),
            Ok("ana.perez@acme".into())
        );
        for bad in ["ab", "a b c", "ana;drop", &"x".repeat(65), "josé"] {
            assert!(Username::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn passwords_follow_the_policy_and_never_print() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse(&"x".repeat(1025)).is_err());
        let p = Password::parse("correct horse").unwrap_or_else(|e| panic!("{e}"));
        assert!(!format!("{p:?}").contains("horse"));
    }

    proptest! {
        #[test]
        fn accepted_names_are_trimmed_and_fit(s in "\\PC{0,120}") {
            if let Ok(n) = KeyName::parse(&s) {
                prop_assert_eq!(n.as_str(), n.as_str().trim());
                prop_assert!((1..=KEY_NAME_MAX).contains(&n.as_str().chars().count()));
            } else {
                let t = s.trim();
                prop_assert!(t.is_empty() || t.chars().count() > KEY_NAME_MAX || t.chars().any(char::is_control));
            }
        }
    }
}
