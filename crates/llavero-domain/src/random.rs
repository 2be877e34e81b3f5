//! Randomness from the operating system's CSPRNG (`getrandom`), nothing else.

/// The OS random source failed; there is no safe fallback.
#[derive(Debug, thiserror::Error)]
#[error("the operating system's random source failed: {0}")]
pub struct RandomError(String);

/// Fills `buf` with bytes from the OS CSPRNG.
pub fn fill(buf: &mut [u8]) -> Result<(), RandomError> {
    getrandom::fill(buf).map_err(|e| RandomError(e.to_string()))
}

/// `N` random bytes.
pub fn bytes<const N: usize>() -> Result<[u8; N], RandomError> {
    let mut buf = [0u8; N];
    fill(&mut buf)?;
    Ok(buf)
}

/// A random token of `n` bytes, hex-encoded (for session tokens, peppers, passwords).
pub fn hex_token(n: usize) -> Result<String, RandomError> {
    let mut buf = vec![0u8; n];
    fill(&mut buf)?;
    Ok(hex::encode(buf))
}
