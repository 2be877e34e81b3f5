//! argon2id password hashing (OWASP's recommended parameters, the crate's default).
//!
//! Hashing takes tens of milliseconds on purpose; callers on an async
//! runtime run it on a blocking thread.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;

/// Hashing failed (only on a broken random source or absurd input).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// A PHC string (`$argon2id$v=19$...`) for `password`.
pub fn hash(password: &str) -> Result<String, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// Whether `password` matches `phc`. A malformed stored hash never matches.
pub fn verify(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Spends the same effort as [`verify`] for a user that does not exist, so
/// response time does not reveal which usernames exist.
pub fn verify_dummy(password: &str) {
    // A valid argon2id hash of a random string nobody knows.
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$6q7v2q0Jt0H4mJmS3p1x2VQ0m2c5o9b8Y0Zk2m1Xw6c";
    let _ = verify(password, DUMMY);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_are_salted() {
        let h1 = hash("correct horse").unwrap_or_default();
        let h2 = hash("correct horse").unwrap_or_default();
        assert!(h1.starts_with("$argon2id$"));
        assert_ne!(h1, h2, "same password, same hash: no salt");
        assert!(verify("correct horse", &h1));
        assert!(!verify("correct horsE", &h1));
        assert!(!verify("correct horse", "not a phc string"));
        assert!(!h1.contains("horse"));
    }

    #[test]
    fn the_dummy_hash_parses_so_it_costs_a_real_verification() {
        assert!(PasswordHash::new(
            "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$6q7v2q0Jt0H4mJmS3p1x2VQ0m2c5o9b8Y0Zk2m1Xw6c"
        )
        .is_ok());
        verify_dummy("anything");
    }
}
