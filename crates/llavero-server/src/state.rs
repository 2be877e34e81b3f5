//! [`AppState`]: what every handler shares — the application
//! ([`llavero_app::App`]) and the settings only HTTP needs (URLs shown in
//! answers, bearer tokens, trusted proxies, the session cookie), resolved
//! once at start-up.

use std::sync::Arc;

use ipnet::IpNet;
use llavero_app::App;
use llavero_domain::Secret;

use crate::auth::session::SessionPolicy;

/// Shared, read-mostly state of one server process.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The application: its methods are the use cases.
    pub app: Arc<App>,
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
}
