//! Llavero's domain rules, free of HTTP and storage.
//!
//! - [`key`]: the API-key format (`<prefix>_<secret><checksum>`), generation
//!   from the OS CSPRNG and offline parsing (prefix, alphabet, length, CRC32);
//! - [`hashing`]: the peppered HMAC-SHA256 under which keys are stored, and
//!   the digests of session tokens;
//! - [`password`]: argon2id password hashing;
//! - [`names`]: validated values (`KeyName`, `Username`, `Password`) that
//!   carry the rules for bad input in one place;
//! - [`secret`]: a wrapper that keeps secrets out of `Debug` and `Display`;
//! - [`usage`]: how long a key's use is kept and when a key is forgotten;
//! - [`webhook`]: Standard Webhooks signatures, the retry schedule, and
//!   which addresses a webhook may never be sent to.
//!
//! Everything here is synchronous and deterministic given its inputs (except
//! the random generators), so it is unit- and property-tested in place.

pub mod base62;
pub mod hashing;
pub mod key;
pub mod limits;
pub mod names;
pub mod password;
pub mod random;
pub mod secret;
pub mod usage;
pub mod webhook;

pub use hashing::{KeyHash, Pepper, TokenHash};
pub use key::{GeneratedKey, KeyFormatError, KeyPrefix, ParsedKey};
pub use limits::{Cidrs, KeyLimits, Scopes};
pub use names::{KeyName, Password, Username, ValidationError};
pub use secret::Secret;
