//! [`AppState`]: what every handler shares — the store and the settings that
//! requests need, resolved once at start-up.

use std::sync::Arc;

use ipnet::IpNet;
use llavero_domain::{KeyPrefix, Pepper, Secret};
use llavero_store::Store;

use crate::auth::session::SessionPolicy;
use crate::configuration::KeyPolicy;
use crate::github_keys::GithubKeys;
use crate::metrics::Metrics;
use crate::oidc::Oidc;
use crate::passwords::PasswordWork;
use crate::verification::Verifier;

/// Shared, read-mostly state of one server process.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    pub pepper: Pepper,
    pub key_prefix: KeyPrefix,
    /// The URL shown atop the key list (`/info`).
    pub api_endpoint: String,
    /// This service's own `/api/v1` URL, for `Location` headers.
    pub own_api: String,
    pub brand: String,
    pub verify_token: Option<Secret<String>>,
    /// The bearer `/metrics` asks for (`None`: none).
    pub metrics_token: Option<Secret<String>>,
    /// The operator's leak scanners' token (`POST /leaks`).
    pub leaks_token: Option<Secret<String>>,
    pub trusted_proxies: Arc<Vec<IpNet>>,
    pub sessions: SessionPolicy,
    /// Served over https (`LLAVERO_PUBLIC_URL`): HSTS on every answer.
    pub https: bool,
    pub passwords: PasswordWork,
    /// Keys one user may create per minute (0: no limit).
    pub key_create_per_minute: u32,
    /// The scope catalogue and key lifetimes.
    pub key_policy: Arc<KeyPolicy>,
    pub metrics: Arc<Metrics>,
    pub verifier: Arc<Verifier>,
    /// Where webhooks may be sent.
    pub webhook_reach: Arc<llavero_domain::webhook::Reach>,
    /// GitHub's secret-scanning keys; `None`: `/leaks/github` answers 503.
    pub github_keys: Option<Arc<GithubKeys>>,
    /// The identity provider users may sign in through.
    pub oidc: Option<Arc<Oidc>>,
    /// Whether local accounts may sign in with a password.
    pub local_login: bool,
}
