//! [`Config`]: every setting, as the operator writes it — one field per
//! setting, its meaning, default and unit documented here and nowhere
//! else. A field `session_hours` is `session_hours = 8` in the file and
//! `LLAVERO_SESSION_HOURS=8` in the environment.
//!
//! The defaults are [`Config::default`]; `serde(default)` fills in every
//! field no layer sets, and `deny_unknown_fields` refuses a typo in the
//! file. The JSON schema `schemars` derives from this struct is where the
//! settings table of `docs/configuration.md` comes from (`llavero config
//! --markdown`), and the list of `LLAVERO_*` variables that are settings.
//! [`Config::validate`](super::Config::validate) turns it into the
//! [`Settings`](super::Settings) the service runs with.
//!
//! Secrets are plain text here for one step only: this struct is neither
//! `Debug` nor logged, and `validate` wraps them in `Secret` at once.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::lenient;
use super::policy::ScopeEntry;

/// Every setting, as given.
#[derive(Clone, Deserialize, Serialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The database: `sqlite://PATH?mode=rwc`, or `postgres://user:pass@host/db`.
    /// Default: `sqlite://./data/llavero.db?mode=rwc`.
    #[serde(deserialize_with = "lenient::required_text")]
    pub database_url: String,
    /// Address to bind. Default: `127.0.0.1:8080`.
    #[serde(deserialize_with = "lenient::required_text")]
    pub listen: String,
    /// Base URL users reach (links in `Location` headers are this + `/api/v1`);
    /// `https://` makes cookies `Secure`. Default: `http://<listen>`.
    #[serde(deserialize_with = "lenient::text")]
    pub public_url: Option<String>,
    /// The "API endpoint" shown atop the key list (`/info`): the portal API's URL
    /// behind its gateway. Default: `<public url>/api/v1`.
    #[serde(deserialize_with = "lenient::text")]
    pub api_endpoint: Option<String>,
    /// The keys' prefix: 2–10 lowercase letters/digits. Default: `mco`.
    #[serde(deserialize_with = "lenient::required_text")]
    pub key_prefix: String,
    /// The secret keys are hashed with, ≥ 32 characters; **required** with PostgreSQL,
    /// identical on every replica. Default: generated beside the SQLite file.
    #[serde(deserialize_with = "lenient::text")]
    pub key_pepper: Option<String>,
    /// Service token for gateways (`POST /verify`), ≥ 24 characters.
    /// Default: unset (`/verify` answers 503).
    #[serde(deserialize_with = "lenient::text")]
    pub verify_token: Option<String>,
    /// Bearer for the operator's leak scanners (`POST /leaks`), ≥ 24 characters,
    /// different from the verify token. Default: unset (`/leaks` answers 404).
    #[serde(deserialize_with = "lenient::text")]
    pub leaks_token: Option<String>,
    /// A second listener for `/metrics` only, e.g. `127.0.0.1:9464`; the main
    /// listener then answers 404 there. Default: unset (metrics on the main listener).
    #[serde(deserialize_with = "lenient::text")]
    pub metrics_listen: Option<String>,
    /// Without the second listener: the bearer `/metrics` asks for (401 without it),
    /// ≥ 24 characters. Default: unset (open).
    #[serde(deserialize_with = "lenient::text")]
    pub metrics_token: Option<String>,
    /// The first admin's username, created only on an empty database. Default: `admin`.
    #[serde(deserialize_with = "lenient::required_text")]
    pub admin_username: String,
    /// The first admin's password. Default: random, printed once.
    #[serde(deserialize_with = "lenient::text")]
    pub admin_password: Option<String>,
    /// IPs/CIDRs (comma-separated, or a list in the file) whose `X-Forwarded-For`
    /// is believed. Default: none.
    #[serde(deserialize_with = "lenient::list")]
    pub trusted_proxies: Vec<String>,
    /// `text` or `json`; the level comes from `RUST_LOG` (default `info`). Default: `text`.
    #[serde(deserialize_with = "lenient::required_text")]
    pub log_format: String,
    /// Browser session lifetime, in hours (1–720). Default: `12`.
    #[serde(deserialize_with = "lenient::whole")]
    pub session_hours: u64,
    /// A session unused this many minutes ends (1–1440). Default: `60`.
    #[serde(deserialize_with = "lenient::whole")]
    pub session_idle_minutes: u64,
    /// Password hashes (argon2id) computed at once (1–64); more wait 2 s, then 503
    /// `busy`. Default: the cores, at most 4.
    #[serde(deserialize_with = "lenient::number")]
    pub hash_concurrency: Option<u64>,
    /// Keys one user may create per minute (`0`: no limit); the number of keys is
    /// unlimited. Default: `60`.
    #[serde(deserialize_with = "lenient::whole")]
    pub key_create_per_minute: u64,
    /// The scope catalogue: names, comma-separated (in the file, a list of
    /// `{name, description = {es, en}}`); `llavero:manage` is always added.
    /// Default: none.
    #[schemars(with = "Option<serde_json::Value>")]
    pub scopes: Option<Scopes>,
    /// The longest lifetime a key may be given, in days (1–36500). Default: unlimited.
    #[serde(deserialize_with = "lenient::number")]
    pub key_max_lifetime_days: Option<u64>,
    /// The lifetime of a key created without `expires_at`, in days; at most the
    /// maximum. Default: never expires (or the maximum).
    #[serde(deserialize_with = "lenient::number")]
    pub key_default_lifetime_days: Option<u64>,
    /// Revoke keys unused this many days (1–36500). Default: unset (off).
    #[serde(deserialize_with = "lenient::number")]
    pub revoke_unused_after_days: Option<u64>,
    /// Seconds between sweeps (1–86400): ended sessions and the addresses beyond a
    /// key's 50 most recent are deleted (usage older than 90 days at start-up and
    /// hourly), `key.expiring`/`key.expired` events are sent (and, with the
    /// policy, unused keys revoked). Default: `300`.
    #[serde(deserialize_with = "lenient::whole")]
    pub housekeeping_secs: u64,
    /// `true`: webhooks may use plain `http://` (to any address they may reach);
    /// else only `https://`. Default: `false`.
    #[serde(deserialize_with = "lenient::boolean")]
    pub webhook_allow_http: bool,
    /// CIDRs webhooks may reach although not globally routable (e.g.
    /// `10.20.0.0/16`); by default only public addresses. Default: none.
    #[serde(deserialize_with = "lenient::list")]
    pub webhook_allow_networks: Vec<String>,
    /// `false`: this replica writes webhook events but never sends them (for
    /// replicas that may not reach receivers; another replica sends). Default: `true`.
    #[serde(deserialize_with = "lenient::boolean")]
    pub webhook_sender: bool,
    /// GitHub's secret-scanning public keys: a file path, or an `https://` URL
    /// (fetched, kept an hour). Default: unset (`/leaks/github` answers 404).
    #[serde(deserialize_with = "lenient::text")]
    pub github_scanning_keys: Option<String>,
    /// Failed key checks per client address per minute before 429 (`0`: off).
    /// Default: `120`.
    #[serde(deserialize_with = "lenient::whole")]
    pub key_failures_per_minute: u64,
    /// Seconds a verified key may be answered from memory, from its second lookup
    /// on (0–300; 0: never). Default: `10`.
    #[serde(deserialize_with = "lenient::whole")]
    pub cache_ttl_secs: u64,
    /// Milliseconds between writes of buffered usage (last uses, daily counts,
    /// addresses), 10–60000. Default: `1000`.
    #[serde(deserialize_with = "lenient::whole")]
    pub usage_flush_ms: u64,
    /// Pool size per process (2–256); on PostgreSQL the usage flush has one
    /// connection more of its own. Mind PostgreSQL's `max_connections` across
    /// replicas. Default: `16` (PostgreSQL), `4` (SQLite).
    #[serde(deserialize_with = "lenient::number")]
    pub db_max_connections: Option<u64>,
    /// Most batched key lookups (cache misses: up to 128 keys a query) running at
    /// once, below the pool size. Two keep the database busy; more split the misses
    /// into smaller batches that cost the database more per key. Raise it only for
    /// a database with many cores to spare. Default: `2`.
    #[serde(deserialize_with = "lenient::number")]
    pub db_lookups_in_flight: Option<u64>,
    /// HTTP worker threads (1–256); set it to the CPU limit in a container.
    /// Default: one per physical core.
    #[serde(deserialize_with = "lenient::number")]
    pub workers: Option<u64>,
    /// The built web app to serve at `/`. Default: `frontend/dist` when it exists.
    #[serde(deserialize_with = "lenient::text")]
    pub web_dir: Option<String>,
    /// The product name the web app shows. Default: `Llavero`.
    #[serde(deserialize_with = "lenient::required_text")]
    pub brand: String,
    /// The OpenID provider's issuer URL (`https://`; `http://` only to loopback);
    /// see [Sign-in through the portal's identity provider](gateways.md#sign-in-through-the-portals-identity-provider).
    /// Default: unset (local accounts only).
    #[serde(deserialize_with = "lenient::text")]
    pub oidc_issuer: Option<String>,
    /// The client id registered at the provider; required with the issuer.
    /// Default: unset.
    #[serde(deserialize_with = "lenient::text")]
    pub oidc_client_id: Option<String>,
    /// The client's secret at the provider. Default: unset (a public client, PKCE alone).
    #[serde(deserialize_with = "lenient::text")]
    pub oidc_client_secret: Option<String>,
    /// The provider's name on the sign-in button. Default: `OpenID Connect`.
    #[serde(deserialize_with = "lenient::text")]
    pub oidc_name: Option<String>,
    /// Scopes asked for (space- or comma-separated; must include `openid`).
    /// Default: `openid profile email`.
    #[serde(deserialize_with = "lenient::required_text")]
    pub oidc_scopes: String,
    /// The claim with the user's groups or roles; a dotted path reaches nested
    /// ones. Default: `groups`.
    #[serde(deserialize_with = "lenient::required_text")]
    pub oidc_roles_claim: String,
    /// A value of the roles claim that makes an admin; set, every sign-in sets
    /// the role. Default: unset (roles managed in Llavero).
    #[serde(deserialize_with = "lenient::text")]
    pub oidc_admin_value: Option<String>,
    /// The longest any request to the provider may take, in seconds (1–120; then
    /// 503 `oidc_unavailable`). Default: `10`.
    #[serde(deserialize_with = "lenient::whole")]
    pub oidc_timeout_secs: u64,
    /// `false`: no password sign-in (`POST /auth/login` answers 403
    /// `local_login_disabled`); needs the provider. Default: `true`.
    #[serde(deserialize_with = "lenient::boolean")]
    pub local_login: bool,
}

/// The scope catalogue as given: names (the variable's comma-separated
/// text, or the file's list of names) or the file's tables.
#[derive(Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Scopes {
    Names(String),
    List(Vec<ScopeEntry>),
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: format!("sqlite://{}/llavero.db?mode=rwc", super::DEFAULT_DATA_DIR),
            listen: "127.0.0.1:8080".to_owned(),
            public_url: None,
            api_endpoint: None,
            key_prefix: "mco".to_owned(),
            key_pepper: None,
            verify_token: None,
            leaks_token: None,
            metrics_listen: None,
            metrics_token: None,
            admin_username: "admin".to_owned(),
            admin_password: None,
            trusted_proxies: Vec::new(),
            log_format: "text".to_owned(),
            session_hours: 12,
            session_idle_minutes: 60,
            hash_concurrency: None,
            key_create_per_minute: 60,
            scopes: None,
            key_max_lifetime_days: None,
            key_default_lifetime_days: None,
            revoke_unused_after_days: None,
            housekeeping_secs: 300,
            webhook_allow_http: false,
            webhook_allow_networks: Vec::new(),
            webhook_sender: true,
            github_scanning_keys: None,
            key_failures_per_minute: 120,
            cache_ttl_secs: 10,
            usage_flush_ms: 1000,
            db_max_connections: None,
            db_lookups_in_flight: None,
            workers: None,
            web_dir: None,
            brand: "Llavero".to_owned(),
            oidc_issuer: None,
            oidc_client_id: None,
            oidc_client_secret: None,
            oidc_name: None,
            oidc_scopes: "openid profile email".to_owned(),
            oidc_roles_claim: "groups".to_owned(),
            oidc_admin_value: None,
            oidc_timeout_secs: 10,
            local_login: true,
        }
    }
}
