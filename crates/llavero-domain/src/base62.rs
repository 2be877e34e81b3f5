//! Base62 (`0-9A-Za-z`): the alphabet of key secrets and checksums.
//!
//! Chosen over base64 because it has no `-`, `+`, `/` or `=`: a double click
//! selects a whole key, and keys survive URLs, shells and YAML unquoted.

use crate::random::{self, RandomError};

/// The 62 symbols, in value order.
pub const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Whether `c` is a base62 symbol.
pub fn is_symbol(c: u8) -> bool {
    c.is_ascii_alphanumeric()
}

/// `value` in base62, left-padded with `0` to exactly `width` symbols.
///
/// `width` must be large enough for `value` (6 symbols hold any `u32`); the
/// most significant symbols are cut otherwise.
pub fn encode_fixed(mut value: u64, width: usize) -> String {
    let mut out = vec![b'0'; width];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(value % 62) as usize];
        value /= 62;
    }
    // Every byte comes from ALPHABET, so this is ASCII.
    out.into_iter().map(char::from).collect()
}

/// `len` uniformly random base62 symbols from the OS CSPRNG.
///
/// Rejection sampling keeps the distribution uniform: bytes ≥ 248 (= 4 × 62)
/// are thrown away instead of folded, which would favour the first symbols.
pub fn random(len: usize) -> Result<String, RandomError> {
    let mut out = String::with_capacity(len);
    let mut pool = [0u8; 64];
    while out.len() < len {
        random::fill(&mut pool)?;
        for &b in pool.iter().filter(|&&b| b < 248) {
            if out.len() == len {
                break;
            }
            out.push(char::from(ALPHABET[(b % 62) as usize]));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn encodes_known_values() {
        assert_eq!(encode_fixed(0, 6), "000000");
        assert_eq!(encode_fixed(61, 2), "0z");
        assert_eq!(encode_fixed(62, 2), "10");
        assert_eq!(encode_fixed(u64::from(u32::MAX), 6), "4gfFC3");
    }

    #[test]
    fn random_strings_use_only_the_alphabet_and_differ() {
        let a = random(40).unwrap_or_default();
        let b = random(40).unwrap_or_default();
        assert_eq!(a.len(), 40);
        assert!(a.bytes().all(is_symbol));
        assert_ne!(a, b);
    }

    proptest! {
        #[test]
        fn fixed_encoding_is_injective_for_u32(x in any::<u32>(), y in any::<u32>()) {
            let (ex, ey) = (encode_fixed(x.into(), 6), encode_fixed(y.into(), 6));
            prop_assert_eq!(ex.len(), 6);
            prop_assert_eq!(x == y, ex == ey);
        }
    }
}
