//! argon2id password hashing (OWASP's recommended parameters, the crate's default).
//!
//! Hashing takes tens of milliseconds and ~19 MiB on purpose; callers on an
//! async runtime run it on a blocking thread, a bounded number at a time.
//!
//! Each run hashes in a [`Workspace`] rather than letting the crate
//! allocate its 19 MiB: glibc serves a freed block that size from its heap
//! the next time (its mmap threshold rises to the size of the last block it
//! unmapped), and then neither reuses nor returns it reliably — measured:
//! 300 concurrent sign-ins, two at a time, grew the server's RSS to 1.4 GB.
//! A workspace *reserves* more than glibc's largest threshold (32 MiB), so
//! its block is always mapped on its own and unmapped when dropped; only the
//! 19 MiB it uses are touched. Memory is then runs at once × 19 MiB, and
//! returns to the OS after. (Fixing the threshold with `mallopt` would need
//! `unsafe`, which this workspace forbids.) The hashing, PHC parsing and
//! encoding and the constant-time comparison are the argon2 and
//! password-hash crates' own; only the buffer is ours.

use argon2::password_hash::{rand_core::OsRng, Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

/// Hashing failed (only on a broken random source or absurd input).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// argon2 working memory for one run at a time (see the module docs).
#[derive(Default)]
pub struct Workspace(Vec<Block>);

/// Blocks reserved at least: 33 MiB, above glibc's largest mmap threshold.
const RESERVED_BLOCKS: usize = 33 * 1024 * 1024 / std::mem::size_of::<Block>();

impl std::fmt::Debug for Workspace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Workspace({} blocks)", self.0.len())
    }
}

impl Workspace {
    fn blocks(&mut self, count: usize) -> &mut [Block] {
        if self.0.capacity() < count {
            // Reserved, not touched: only `count` blocks are written below.
            self.0 = Vec::with_capacity(count.max(RESERVED_BLOCKS));
        }
        if self.0.len() < count {
            self.0.resize(count, Block::default());
        }
        &mut self.0[..count]
    }
}

/// A PHC string (`$argon2id$v=19$...`) for `password`, computed in `space`.
pub fn hash_in(space: &mut Workspace, password: &str) -> Result<String, HashError> {
    let err = |e: &dyn std::fmt::Display| HashError(e.to_string());
    let salt = SaltString::generate(&mut OsRng);
    let params = Params::default();
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt
        .as_salt()
        .decode_b64(&mut salt_bytes)
        .map_err(|e| err(&e))?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(
            password.as_bytes(),
            salt_bytes,
            &mut out,
            space.blocks(params.block_count()),
        )
        .map_err(|e| err(&e))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| err(&e))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| err(&e))?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches `phc`, computed in `space`. A malformed
/// stored hash never matches. The comparison is constant-time (`Output`'s).
pub fn verify_in(space: &mut Workspace, password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let (Ok(params), Ok(algorithm)) = (
        Params::try_from(&parsed),
        Algorithm::try_from(parsed.algorithm),
    ) else {
        return false;
    };
    let version = match parsed.version {
        Some(v) => Version::try_from(v),
        None => Ok(Version::default()),
    };
    let Ok(version) = version else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let computed = Argon2::new(algorithm, version, params.clone()).hash_password_into_with_memory(
        password.as_bytes(),
        salt_bytes,
        &mut out,
        space.blocks(params.block_count()),
    );
    computed.is_ok() && Output::new(&out).is_ok_and(|o| o == expected)
}

/// A valid argon2id hash of a random string nobody knows.
const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$6q7v2q0Jt0H4mJmS3p1x2VQ0m2c5o9b8Y0Zk2m1Xw6c";

/// Spends the same effort as [`verify_in`] for a user that does not exist,
/// so response time does not reveal which usernames exist.
pub fn verify_dummy_in(space: &mut Workspace, password: &str) {
    let _ = verify_in(space, password, DUMMY);
}

/// [`hash_in`] with a workspace of its own (for one-off use, such as the
/// benchmark's seeder).
pub fn hash(password: &str) -> Result<String, HashError> {
    hash_in(&mut Workspace::default(), password)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verify(password: &str, phc: &str) -> bool {
        verify_in(&mut Workspace::default(), password, phc)
    }
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    #[test]
    fn hashes_verify_and_are_salted() {
        let h1 = hash("correct horse").unwrap_or_default();
        let h2 = hash("correct horse").unwrap_or_default();
        assert!(h1.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h1}");
        assert_ne!(h1, h2, "same password, same hash: no salt");
        assert!(verify("correct horse", &h1));
        assert!(!verify("correct horsE", &h1));
        assert!(!verify("correct horse", "not a phc string"));
        assert!(!h1.contains("horse"));
    }

    #[test]
    fn a_workspace_agrees_with_the_crates_own_hashing_both_ways() {
        let mut space = Workspace::default();
        // Made by the crate's allocating path, checked in our workspace...
        let theirs = Argon2::default()
            .hash_password(b"tr0ub4dor", &SaltString::generate(&mut OsRng))
            .map(|h| h.to_string())
            .unwrap_or_default();
        assert!(verify_in(&mut space, "tr0ub4dor", &theirs));
        assert!(!verify_in(&mut space, "tr0ub4dor&3", &theirs));
        // ...and made in the workspace, checked by the crate.
        let ours = hash_in(&mut space, "tr0ub4dor").unwrap_or_default();
        let parsed = PasswordHash::new(&ours).unwrap_or_else(|e| panic!("{e}"));
        assert!(Argon2::default()
            .verify_password(b"tr0ub4dor", &parsed)
            .is_ok());
        // The workspace is reused, not regrown, and reserves past glibc's
        // largest mmap threshold.
        let blocks = space.0.len();
        assert_eq!(blocks, Params::default().block_count());
        assert!(space.0.capacity() * std::mem::size_of::<Block>() > 32 * 1024 * 1024);
        assert!(verify_in(&mut space, "tr0ub4dor", &ours));
        assert_eq!(space.0.len(), blocks);
    }

    #[test]
    fn the_dummy_hash_parses_so_it_costs_a_real_verification() {
        assert!(PasswordHash::new(DUMMY).is_ok());
        verify_dummy_in(&mut Workspace::default(), "anything");
    }
}
