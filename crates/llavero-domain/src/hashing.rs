//! How secrets are stored: digests only, never the secret.
//!
//! - API keys: `HMAC-SHA256(pepper, key)`. The pepper lives in configuration,
//!   not in the database, so a stolen database alone cannot even confirm a
//!   guessed key. Keys carry ~178 random bits, so a fast MAC is enough; a slow
//!   password hash would only cost every API call.
//! - Session tokens: the same peppered HMAC, in a separate domain (a fixed
//!   label is mixed in) so a session digest can never match a key digest.
//!
//! Lookups go by digest through a unique index, so no secret is compared
//! byte by byte in our code; where a secret is compared (the service token),
//! [`constant_time_eq`] is used.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::key::ParsedKey;
use crate::secret::Secret;

type HmacSha256 = Hmac<Sha256>;

/// Shortest pepper accepted, in bytes.
pub const MIN_PEPPER_LEN: usize = 32;

/// The server-wide HMAC key. Never printed, never stored in the database.
#[derive(Clone, Debug)]
pub struct Pepper(Secret<Vec<u8>>);

impl Pepper {
    /// Accepts a pepper of at least [`MIN_PEPPER_LEN`] bytes.
    pub fn new(bytes: Vec<u8>) -> Result<Self, String> {
        if bytes.len() < MIN_PEPPER_LEN {
            return Err(format!(
                "the key pepper must be at least {MIN_PEPPER_LEN} bytes long"
            ));
        }
        Ok(Pepper(Secret::new(bytes)))
    }

    fn mac(&self, domain: &[u8], message: &[u8]) -> [u8; 32] {
        // HMAC accepts keys of any length, so this cannot fail; the fallback
        // keeps the request path free of panics all the same.
        let Ok(mut mac) = HmacSha256::new_from_slice(self.0.expose()) else {
            return [0; 32];
        };
        mac.update(domain);
        mac.update(message);
        mac.finalize().into_bytes().into()
    }
}

/// The stored digest of an API key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeyHash(pub [u8; 32]);

impl KeyHash {
    /// Digests a key that passed the offline checks.
    pub fn of(pepper: &Pepper, key: &ParsedKey<'_>) -> Self {
        KeyHash(pepper.mac(b"llavero/api-key\0", key.expose().as_bytes()))
    }

    /// Lowercase hex, as stored.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Reads a stored digest back; `None` unless 64 hex digits.
    pub fn from_hex(hex: &str) -> Option<Self> {
        let mut bytes = [0; 32];
        hex::decode_to_slice(hex, &mut bytes).ok()?;
        Some(KeyHash(bytes))
    }
}

impl Pepper {
    /// The signing secret of a webhook endpoint, derived from the random
    /// `seed` stored with the endpoint: the database holds only the seed,
    /// which is worthless without the pepper (see [`crate::webhook`]).
    pub fn webhook_secret(&self, seed: &[u8]) -> Secret<[u8; 32]> {
        Secret::new(self.mac(b"llavero/webhook-secret\0", seed))
    }

    /// The tag that seals an identity-provider sign-in's flow cookie (its
    /// `state`, nonce and PKCE verifier), so the browser can carry them
    /// but not change them.
    pub fn flow_tag(&self, message: &[u8]) -> [u8; 32] {
        self.mac(b"llavero/oidc-flow\0", message)
    }

    /// A value that tells this pepper from another without revealing it
    /// (hex; stored with the database, compared at every start).
    pub fn check_value(&self) -> String {
        hex::encode(self.mac(b"llavero/pepper-check\0", b""))
    }

    /// The tag that seals a device cookie (which account a browser signed
    /// in to, and until when that counts), so no one can make one.
    pub fn device_tag(&self, message: &[u8]) -> [u8; 32] {
        self.mac(b"llavero/device\0", message)
    }
}

/// The stored digest of a session token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TokenHash(pub [u8; 32]);

impl TokenHash {
    /// Digests a session token.
    pub fn of(pepper: &Pepper, token: &str) -> Self {
        TokenHash(pepper.mac(b"llavero/session\0", token.as_bytes()))
    }

    /// Lowercase hex, as stored.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

/// Compares two secrets in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::{self, KeyPrefix};
    use proptest::prelude::*;

    fn pepper(byte: u8) -> Pepper {
        Pepper::new(vec![byte; 32]).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn short_peppers_are_refused() {
        assert!(Pepper::new(vec![1; 31]).is_err());
        assert!(Pepper::new(vec![1; 32]).is_ok());
    }

    #[test]
    fn known_answer_matches_an_independent_hmac_sha256() {
        // Expected values computed with Python's zlib.crc32 and hmac modules:
        // key = 32 × 0x0b, message = "llavero/api-key\0" || the key.
        let full = "mco_0000000000000000000000000000004I186y";
        let parsed = key::parse(&KeyPrefix::default(), full).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            KeyHash::of(&pepper(0x0b), &parsed).to_hex(),
            "ef826587b1e0be6123d79380ba2803f5bf96e1f1634992dd226f74ecbafa8bbf"
        );
    }

    #[test]
    fn key_and_session_digests_are_separate_domains() {
        let p = pepper(7);
        let g = key::generate(&KeyPrefix::default()).unwrap_or_else(|e| panic!("{e}"));
        let parsed =
            key::parse(&KeyPrefix::default(), g.secret.expose()).unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(
            KeyHash::of(&p, &parsed).0,
            TokenHash::of(&p, g.secret.expose()).0
        );
    }

    #[test]
    fn key_digests_read_back_from_hex() {
        let h = KeyHash([0xab; 32]);
        assert_eq!(KeyHash::from_hex(&h.to_hex()), Some(h));
        assert_eq!(KeyHash::from_hex("ab"), None);
        assert_eq!(KeyHash::from_hex(&"zz".repeat(32)), None);
    }

    #[test]
    fn pepper_debug_is_redacted() {
        assert_eq!(format!("{:?}", pepper(0x41)), "Pepper([redacted])");
    }

    proptest! {
        #[test]
        fn digest_depends_on_key_and_pepper(a in any::<u8>(), b in any::<u8>()) {
            let prefix = KeyPrefix::default();
            let g1 = key::generate(&prefix).unwrap_or_else(|e| panic!("{e}"));
            let g2 = key::generate(&prefix).unwrap_or_else(|e| panic!("{e}"));
            let k1 = key::parse(&prefix, g1.secret.expose()).unwrap_or_else(|e| panic!("{e}"));
            let k2 = key::parse(&prefix, g2.secret.expose()).unwrap_or_else(|e| panic!("{e}"));
            prop_assert_ne!(KeyHash::of(&pepper(a), &k1), KeyHash::of(&pepper(a), &k2));
            prop_assert_eq!(a == b, KeyHash::of(&pepper(a), &k1) == KeyHash::of(&pepper(b), &k1));
            let hex = KeyHash::of(&pepper(a), &k1).to_hex();
            prop_assert!(!hex.contains(&g1.secret.expose()[4..20]));
        }

        #[test]
        fn constant_time_eq_agrees_with_eq(a in proptest::collection::vec(any::<u8>(), 0..40),
                                            b in proptest::collection::vec(any::<u8>(), 0..40)) {
            prop_assert_eq!(constant_time_eq(&a, &b), a == b);
            prop_assert!(constant_time_eq(&a, &a));
        }
    }
}
