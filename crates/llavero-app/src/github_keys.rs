//! GitHub's secret-scanning signatures: the public keys a report may be
//! signed with, and the check of a signature over the raw body.
//!
//! GitHub signs each report with ECDSA P-256 over SHA-256 of the exact
//! body; `Github-Public-Key-Identifier` names the key, and
//! `Github-Public-Key-Signature` carries the DER signature in base64. The
//! keys come from `LLAVERO_GITHUB_SCANNING_KEYS`: a file (read on each
//! report, so a replaced file applies at once) or a URL holding GitHub's
//! `{"public_keys": [{"key_identifier", "key", "is_current"}]}` document,
//! fetched and kept for an hour — fetched again sooner, at most once a
//! minute, when a report names a key it does not hold (GitHub rotates).
//! The check itself is RustCrypto's `p256` crate; nothing is hand-written.

use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::DecodePublicKey;
use serde::Deserialize;
use tokio::sync::Mutex;

/// How long fetched keys are used.
const KEEP_FOR: Duration = Duration::from_secs(3600);
/// Least time between two fetches.
const REFETCH_AFTER: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Deserialize)]
struct PublicKey {
    key_identifier: String,
    key: String,
}

#[derive(Debug, Clone, Deserialize)]
struct Document {
    public_keys: Vec<PublicKey>,
}

/// Why a report was not accepted as GitHub's.
#[derive(Debug, thiserror::Error)]
pub enum SignatureError {
    #[error("the report carries no Github-Public-Key-Identifier or Github-Public-Key-Signature")]
    Missing,
    #[error("the report names a key GitHub does not list")]
    UnknownKey,
    #[error("the signature does not verify")]
    Invalid,
    #[error("GitHub's public keys could not be read: {0}")]
    Unavailable(String),
}

/// Where the keys come from, and the last fetched copy.
#[derive(Debug)]
pub struct GithubKeys {
    source: String,
    client: reqwest::Client,
    fetched: Mutex<Option<(Instant, Vec<PublicKey>)>>,
}

impl GithubKeys {
    /// Keys from `source` (a path, or an `http(s)://` URL).
    pub fn new(source: String) -> anyhow::Result<Self> {
        Ok(GithubKeys {
            source,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .redirect(reqwest::redirect::Policy::limited(3))
                .build()?,
            fetched: Mutex::new(None),
        })
    }

    fn is_url(&self) -> bool {
        self.source.starts_with("https://") || self.source.starts_with("http://")
    }

    async fn read(&self) -> Result<Vec<PublicKey>, SignatureError> {
        let text = if self.is_url() {
            let res = self
                .client
                .get(&self.source)
                .send()
                .await
                .and_then(|r| r.error_for_status())
                .map_err(|e| SignatureError::Unavailable(e.without_url().to_string()))?;
            res.text()
                .await
                .map_err(|e| SignatureError::Unavailable(e.without_url().to_string()))?
        } else {
            tokio::fs::read_to_string(&self.source)
                .await
                .map_err(|e| SignatureError::Unavailable(format!("{}: {e}", self.source)))?
        };
        let doc: Document = serde_json::from_str(&text)
            .map_err(|e| SignatureError::Unavailable(format!("not GitHub's key document: {e}")))?;
        Ok(doc.public_keys)
    }

    /// The PEM of key `id`, from the cache or the source.
    async fn key(&self, id: &str) -> Result<String, SignatureError> {
        if !self.is_url() {
            return self
                .read()
                .await?
                .into_iter()
                .find(|k| k.key_identifier == id)
                .map(|k| k.key)
                .ok_or(SignatureError::UnknownKey);
        }
        let mut fetched = self.fetched.lock().await;
        let stale = |at: &Instant, limit| at.elapsed() > limit;
        let held = fetched
            .as_ref()
            .filter(|(at, _)| !stale(at, KEEP_FOR))
            .and_then(|(_, keys)| keys.iter().find(|k| k.key_identifier == id).cloned());
        if let Some(k) = held {
            return Ok(k.key);
        }
        if fetched
            .as_ref()
            .is_some_and(|(at, _)| !stale(at, REFETCH_AFTER))
        {
            return Err(SignatureError::UnknownKey);
        }
        let keys = self.read().await?;
        let found = keys
            .iter()
            .find(|k| k.key_identifier == id)
            .map(|k| k.key.clone());
        *fetched = Some((Instant::now(), keys));
        found.ok_or(SignatureError::UnknownKey)
    }

    /// Checks that `body` was signed by GitHub's key `key_id`.
    pub async fn verify(
        &self,
        key_id: Option<&str>,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<(), SignatureError> {
        let (Some(key_id), Some(signature)) = (key_id, signature) else {
            return Err(SignatureError::Missing);
        };
        let pem = self.key(key_id).await?;
        let key = VerifyingKey::from_public_key_pem(&pem).map_err(|_| {
            SignatureError::Unavailable(format!("key {key_id} is not a P-256 public key"))
        })?;
        let der = B64
            .decode(signature.trim())
            .map_err(|_| SignatureError::Invalid)?;
        let signature = Signature::from_der(&der).map_err(|_| SignatureError::Invalid)?;
        key.verify(body, &signature)
            .map_err(|_| SignatureError::Invalid)
    }
}
