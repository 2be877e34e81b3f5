//! [`AppState`]: what every handler shares — the store and the settings that
//! requests need, resolved once at start-up.

use std::sync::Arc;

use ipnet::IpNet;
use llavero_domain::{KeyPrefix, Pepper, Secret};
use llavero_store::Store;

use crate::metrics::Metrics;
use crate::throttle::LoginThrottle;
use crate::verification::Verifier;

/// Shared, read-mostly state of one server process.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    pub pepper: Pepper,
    pub key_prefix: KeyPrefix,
    pub api_endpoint: String,
    pub brand: String,
    pub verify_token: Option<Secret<String>>,
    pub trusted_proxies: Arc<Vec<IpNet>>,
    pub secure_cookies: bool,
    pub session_ttl: std::time::Duration,
    pub throttle: Arc<LoginThrottle>,
    pub metrics: Arc<Metrics>,
    pub verifier: Arc<Verifier>,
}
