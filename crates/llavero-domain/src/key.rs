//! The API-key format: `<prefix>_<secret><checksum>`.
//!
//! - `prefix`: 2–10 lowercase letters or digits (default `mco`), so scanners
//!   and humans can tell whose key it is;
//! - `secret`: [`SECRET_LEN`] base62 symbols from the OS CSPRNG
//!   (30 × log2 62 ≈ 178 bits, above the 160 the design asks for);
//! - `checksum`: CRC32 of `<prefix>_<secret>`, base62, [`CHECKSUM_LEN`] symbols.
//!
//! The checksum lets a secret scanner, or this server, reject a mistyped or
//! made-up key offline, before any database work — as GitHub's tokens do. It
//! is not a security boundary: the secret's entropy is.

use std::fmt;

use crate::base62;
use crate::random::RandomError;
use crate::secret::Secret;

/// Base62 symbols of randomness in a key.
pub const SECRET_LEN: usize = 30;
/// Base62 symbols of the CRC32 checksum.
pub const CHECKSUM_LEN: usize = 6;
/// Symbols of the key's tail kept in its hint.
const HINT_TAIL: usize = 4;

/// A validated key prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPrefix(String);

impl KeyPrefix {
    /// Accepts 2 to 10 lowercase ASCII letters or digits.
    pub fn parse(s: &str) -> Result<Self, String> {
        let ok = (2..=10).contains(&s.len())
            && s.bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        if ok {
            Ok(KeyPrefix(s.to_owned()))
        } else {
            Err(format!(
                "key prefix {s:?} must be 2 to 10 lowercase letters or digits"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The length of a whole key with this prefix.
    pub fn key_len(&self) -> usize {
        self.0.len() + 1 + SECRET_LEN + CHECKSUM_LEN
    }
}

impl Default for KeyPrefix {
    fn default() -> Self {
        KeyPrefix("mco".to_owned())
    }
}

impl fmt::Display for KeyPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a string is not a key of this installation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyFormatError {
    #[error("the key does not start with this installation's prefix")]
    WrongPrefix,
    #[error("the key has the wrong length")]
    WrongLength,
    #[error("the key contains characters outside [0-9A-Za-z]")]
    BadAlphabet,
    #[error("the key's checksum does not match")]
    BadChecksum,
}

/// A freshly generated key: the secret to hand out once, and its hint.
#[derive(Debug)]
pub struct GeneratedKey {
    /// The whole key; show it once, store only its [`crate::KeyHash`].
    pub secret: Secret<String>,
    /// The non-secret hint for display.
    pub hint: String,
}

/// A string that passed every offline check; worth a database lookup.
#[derive(Debug)]
pub struct ParsedKey<'a>(Secret<&'a str>);

impl<'a> ParsedKey<'a> {
    /// The whole key, for hashing.
    pub fn expose(&self) -> &'a str {
        self.0.expose()
    }
}

/// Generates a new key with `prefix`.
pub fn generate(prefix: &KeyPrefix) -> Result<GeneratedKey, RandomError> {
    let mut key = String::with_capacity(prefix.key_len());
    key.push_str(prefix.as_str());
    key.push('_');
    key.push_str(&base62::random(SECRET_LEN)?);
    let sum = checksum(&key);
    key.push_str(&sum);
    let hint = hint(prefix, &key);
    Ok(GeneratedKey {
        secret: Secret::new(key),
        hint,
    })
}

/// Checks `candidate` offline: prefix, length, alphabet, checksum.
///
/// Runs in time independent of where a mismatch is in the secret part, and
/// looks at nothing but the string: no I/O.
pub fn parse<'a>(prefix: &KeyPrefix, candidate: &'a str) -> Result<ParsedKey<'a>, KeyFormatError> {
    let head_len = prefix.as_str().len() + 1;
    let Some(rest) = candidate
        .strip_prefix(prefix.as_str())
        .and_then(|r| r.strip_prefix('_'))
    else {
        return Err(KeyFormatError::WrongPrefix);
    };
    if candidate.len() != prefix.key_len() {
        return Err(KeyFormatError::WrongLength);
    }
    if !rest.bytes().all(base62::is_symbol) {
        return Err(KeyFormatError::BadAlphabet);
    }
    let (body, sum) = candidate.split_at(head_len + SECRET_LEN);
    if checksum(body) != sum {
        return Err(KeyFormatError::BadChecksum);
    }
    Ok(ParsedKey(Secret::new(candidate)))
}

/// The display hint of a whole key: `<prefix>_…<last 4>`.
pub fn hint(prefix: &KeyPrefix, key: &str) -> String {
    let tail = key.get(key.len().saturating_sub(HINT_TAIL)..).unwrap_or("");
    format!("{prefix}_…{tail}")
}

fn checksum(body: &str) -> String {
    base62::encode_fixed(u64::from(crc32fast::hash(body.as_bytes())), CHECKSUM_LEN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn mco() -> KeyPrefix {
        KeyPrefix::default()
    }

    fn new_key() -> String {
        match generate(&mco()) {
            Ok(k) => k.secret.expose().clone(),
            Err(e) => panic!("no randomness: {e}"),
        }
    }

    #[test]
    fn generated_keys_have_the_documented_shape() {
        let key = new_key();
        assert_eq!(key.len(), 4 + SECRET_LEN + CHECKSUM_LEN);
        assert!(key.starts_with("mco_"));
        assert!(key[4..].bytes().all(base62::is_symbol));
        assert!(parse(&mco(), &key).is_ok());
    }

    #[test]
    fn hint_is_prefix_and_last_four() {
        let generated = generate(&mco()).ok();
        let Some(g) = generated else { panic!("no key") };
        let key = g.secret.expose();
        assert_eq!(g.hint, format!("mco_…{}", &key[key.len() - 4..]));
        assert!(!g.hint.contains(&key[4..key.len() - 4]));
    }

    #[test]
    fn keys_do_not_repeat() {
        let keys: std::collections::HashSet<String> = (0..1000).map(|_| new_key()).collect();
        assert_eq!(keys.len(), 1000);
    }

    #[test]
    fn offline_checks_name_what_is_wrong() {
        let key = new_key();
        let p = mco();
        assert_eq!(parse(&p, "").err(), Some(KeyFormatError::WrongPrefix));
        assert_eq!(
            parse(&p, &key.replacen("mco_", "abc_", 1)).err(),
            Some(KeyFormatError::WrongPrefix)
        );
        assert_eq!(
            parse(&p, &key.replacen('_', "-", 1)).err(),
            Some(KeyFormatError::WrongPrefix)
        );
        assert_eq!(
            parse(&p, &key[..key.len() - 1]).err(),
            Some(KeyFormatError::WrongLength)
        );
        assert_eq!(
            parse(&p, &format!("{key}x")).err(),
            Some(KeyFormatError::WrongLength)
        );
        let bad_char = format!("{}!{}", &key[..10], &key[11..]);
        assert_eq!(
            parse(&p, &bad_char).err(),
            Some(KeyFormatError::BadAlphabet)
        );
        let other = KeyPrefix::parse("acme").unwrap_or_default();
        assert_eq!(parse(&other, &key).err(), Some(KeyFormatError::WrongPrefix));
    }

    #[test]
    fn prefixes_are_validated() {
        for ok in ["mco", "ab", "acme2026", "abcdefghij"] {
            assert!(KeyPrefix::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a", "MCO", "m_c", "abcdefghijk", "mc o", "ñu"] {
            assert!(KeyPrefix::parse(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn any_single_symbol_change_fails_the_checksum(pos in 4usize..40, sym in 0usize..62) {
            let key = new_key();
            let replacement = char::from(base62::ALPHABET[sym]);
            prop_assume!(key.as_bytes()[pos] != base62::ALPHABET[sym]);
            let mut altered = key.clone();
            altered.replace_range(pos..=pos, &replacement.to_string());
            prop_assert_eq!(parse(&mco(), &altered).err(), Some(KeyFormatError::BadChecksum));
        }

        #[test]
        fn arbitrary_strings_never_panic_and_rarely_pass(s in ".{0,60}") {
            // A random string passing would need the right prefix, length and
            // a 1-in-2^32 checksum: treat any pass as a bug.
            prop_assert!(parse(&mco(), &s).is_err());
        }

        #[test]
        fn every_generated_key_parses_under_any_valid_prefix(p in "[a-z0-9]{2,10}") {
            let prefix = KeyPrefix::parse(&p).unwrap_or_default();
            let g = generate(&prefix).ok();
            prop_assert!(g.is_some());
            if let Some(g) = g {
                prop_assert!(parse(&prefix, g.secret.expose()).is_ok());
                let expected = format!("{p}_…");
                prop_assert!(g.hint.starts_with(&expected));
            }
        }
    }
}
