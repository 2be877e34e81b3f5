//! Configuration: what the operator sets ([`Config`], one serde struct,
//! each field documented where it is declared), where it comes from
//! ([`layers`]: defaults, then an optional TOML file, then `LLAVERO_*`
//! variables), and what the service runs with ([`Settings`], typed and
//! checked by [`Config::validate`]).
//!
//! Every setting has a default that makes `llavero serve` work out of the box
//! on an embedded SQLite file; anything production needs (PostgreSQL, the
//! pepper, the verify token) is one variable away. Secrets are wrapped in
//! [`Secret`] the moment they are checked, so `{:?}` on [`Settings`] is safe.

mod config;
mod layers;
mod lenient;
mod markdown;
pub mod oidc;
pub mod policy;

pub use config::{Config, Scopes};
pub use layers::{from_variables, keys, load};
pub use markdown::settings_table;
pub use oidc::OidcSettings;
pub use policy::KeyPolicy;

use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::time::Duration;

use ipnet::IpNet;
use llavero_domain::{KeyPrefix, Secret};

/// Where the embedded database and its pepper live by default.
pub const DEFAULT_DATA_DIR: &str = "./data";
/// Where trunk puts the web app, relative to the repository root.
pub const DEFAULT_WEB_DIR: &str = "frontend/dist";
/// What `.env.example` puts in every secret: refused at start.
pub const PLACEHOLDER: &str = "change-me";
/// Shortest accepted `/verify` service token.
pub const MIN_VERIFY_TOKEN_LEN: usize = 24;

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

/// Which database the URL names, parsed once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// The embedded database; `path` is `None` for an in-memory one.
    Sqlite {
        path: Option<PathBuf>,
    },
    Postgres,
}

/// Everything the service is configured with.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `sqlite://…` or `postgres://…`.
    pub database_url: Secret<String>,
    /// The kind of database `database_url` names.
    pub database: Database,
    pub listen: SocketAddr,
    /// The base URL users and programs reach this service at, without
    /// `/api/v1`; `None`: derived from the bound address.
    pub public_url: Option<String>,
    /// The portal API's URL behind the gateway, shown atop the key list
    /// (`GET /info`'s `api_endpoint`); `None`: Llavero's own `/api/v1`.
    pub api_endpoint: Option<String>,
    pub key_prefix: KeyPrefix,
    /// `None`: generate one beside the SQLite file (refused for PostgreSQL).
    pub key_pepper: Option<Secret<String>>,
    /// `None`: `/verify` answers 503.
    pub verify_token: Option<Secret<String>>,
    /// The token of the operator's leak scanners (`POST /leaks`); `None`:
    /// `/leaks` answers 404 `not_configured`.
    pub leaks_token: Option<Secret<String>>,
    /// A second listener that serves only `/metrics`; when set, the main
    /// listener answers 404 there.
    pub metrics_listen: Option<SocketAddr>,
    /// The bearer `/metrics` asks for on the main listener (when there is
    /// no second listener); `None`: `/metrics` is open.
    pub metrics_token: Option<Secret<String>>,
    pub admin_username: String,
    pub admin_password: Option<Secret<String>>,
    pub trusted_proxies: Vec<IpNet>,
    pub log_format: LogFormat,
    /// A session's absolute lifetime.
    pub session_ttl: Duration,
    /// A session unused this long has ended.
    pub session_idle: Duration,
    /// Most password hashes (argon2id, ~19 MiB each) computed at once.
    pub hash_concurrency: usize,
    /// Keys one user may create per minute (0: no limit).
    pub key_create_per_minute: u32,
    /// Failed key checks one client address may make per minute before it
    /// is answered 429 without a lookup (0: no limit).
    pub key_failures_per_minute: u32,
    /// The scope catalogue and key lifetimes.
    pub key_policy: KeyPolicy,
    /// The product name shown by the web app.
    pub brand: String,
    /// Database pool size.
    pub db_max_connections: u32,
    /// Most batched key lookups running at once, each on a connection of
    /// the pool (always fewer than the pool).
    pub db_lookups_in_flight: u32,
    /// How long a verified key may be answered from memory (zero: never).
    pub cache_ttl: Duration,
    /// How often coalesced usage (last uses, daily counts, addresses) is
    /// written.
    pub usage_flush: Duration,
    /// Revoke keys unused this many days (`None`: never).
    pub revoke_unused_after_days: Option<u32>,
    /// How often ended sessions, old usage and (with the policy) unused keys
    /// are swept.
    pub housekeeping: Duration,
    /// Where webhooks may be sent: `https` to globally routable addresses,
    /// plus the networks listed, and plain `http` when allowed.
    pub webhook_reach: llavero_domain::webhook::Reach,
    /// This replica sends webhook deliveries (else it only writes events,
    /// for a replica that may not reach receivers).
    pub webhook_sender: bool,
    /// Where GitHub's secret-scanning public keys come from (a file, or an
    /// `https://` URL fetched and cached); `None`: `/leaks/github` is off.
    pub github_scanning_keys: Option<String>,
    /// HTTP worker threads; `None`: one per physical core.
    pub workers: Option<usize>,
    /// The built web app to serve at `/`; `None`: API only.
    pub web_dir: Option<PathBuf>,
    /// Sign-in through an OpenID provider; `None`: local accounts only.
    pub oidc: Option<OidcSettings>,
    /// Whether local accounts may sign in with a password.
    pub local_login: bool,
}

/// A setting could not be used; the message names the variable (and the
/// file, when the value came from one).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub(crate) String);

/// `value` if `range` holds it, else an error naming `name`.
pub(crate) fn within(
    name: &str,
    value: u64,
    range: RangeInclusive<u64>,
) -> Result<u64, ConfigError> {
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(ConfigError(format!(
            "{name}={value:?}: expected {} to {}",
            range.start(),
            range.end()
        )))
    }
}

/// [`within`] for a setting that may be unset.
fn within_opt(
    name: &str,
    value: Option<u64>,
    range: RangeInclusive<u64>,
) -> Result<Option<u64>, ConfigError> {
    value.map(|v| within(name, v, range)).transpose()
}

/// A URL that must be http(s), without its trailing `/`.
fn http_url(name: &str, value: Option<&String>) -> Result<Option<String>, ConfigError> {
    match value {
        Some(url) => {
            let rest = url.strip_prefix("https://").or(url.strip_prefix("http://"));
            if rest.is_none_or(str::is_empty) || url.contains(char::is_whitespace) {
                return Err(ConfigError(format!(
                    "{name}={url:?} must be a URL starting with http:// or https://"
                )));
            }
            Ok(Some(url.trim_end_matches('/').to_owned()))
        }
        None => Ok(None),
    }
}

/// A bearer token, long enough to be one.
fn token(name: &str, value: Option<&String>) -> Result<Option<Secret<String>>, ConfigError> {
    match value {
        Some(t) if t.len() < MIN_VERIFY_TOKEN_LEN => Err(ConfigError(format!(
            "{name} must be at least {MIN_VERIFY_TOKEN_LEN} characters"
        ))),
        t => Ok(t.cloned().map(Secret::new)),
    }
}

impl Config {
    /// Checks every value and the rules between them, and resolves the
    /// settings the service runs with. A refusal names the setting (as its
    /// `LLAVERO_*` variable) and never quotes a secret.
    pub fn validate(self) -> Result<Settings, ConfigError> {
        // The compose example's placeholders must never run in earnest.
        for (name, value) in [
            ("LLAVERO_KEY_PEPPER", self.key_pepper.as_ref()),
            ("LLAVERO_VERIFY_TOKEN", self.verify_token.as_ref()),
            ("LLAVERO_LEAKS_TOKEN", self.leaks_token.as_ref()),
            ("LLAVERO_METRICS_TOKEN", self.metrics_token.as_ref()),
            ("LLAVERO_ADMIN_PASSWORD", self.admin_password.as_ref()),
            ("LLAVERO_DATABASE_URL", Some(&self.database_url)),
            (
                "LLAVERO_OIDC_CLIENT_SECRET",
                self.oidc_client_secret.as_ref(),
            ),
        ] {
            if value.is_some_and(|v| v.contains(PLACEHOLDER)) {
                return Err(ConfigError(format!(
                    "{name} still holds the example's placeholder ({PLACEHOLDER}…): \
                     set a secret of your own (openssl rand -hex 24)"
                )));
            }
        }

        let listen: SocketAddr = self.listen.parse().map_err(|_| {
            ConfigError(format!(
                "LLAVERO_LISTEN={:?} is not an address like 127.0.0.1:8080",
                self.listen
            ))
        })?;
        let public_url = http_url("LLAVERO_PUBLIC_URL", self.public_url.as_ref())?;
        let api_endpoint = http_url("LLAVERO_API_ENDPOINT", self.api_endpoint.as_ref())?;
        let key_prefix = KeyPrefix::parse(&self.key_prefix)
            .map_err(|e| ConfigError(format!("LLAVERO_KEY_PREFIX: {e}")))?;

        let verify_token = token("LLAVERO_VERIFY_TOKEN", self.verify_token.as_ref())?;
        let leaks_token = token("LLAVERO_LEAKS_TOKEN", self.leaks_token.as_ref())?;
        let metrics_token = token("LLAVERO_METRICS_TOKEN", self.metrics_token.as_ref())?;
        if leaks_token.is_some() && self.leaks_token == self.verify_token {
            return Err(ConfigError(
                "LLAVERO_LEAKS_TOKEN must differ from LLAVERO_VERIFY_TOKEN: \
                 a gateway's token must not revoke keys"
                    .to_owned(),
            ));
        }
        let metrics_listen = match &self.metrics_listen {
            Some(raw) => Some(raw.parse::<SocketAddr>().map_err(|_| {
                ConfigError(format!(
                    "LLAVERO_METRICS_LISTEN={raw:?} is not an address like 127.0.0.1:9464"
                ))
            })?),
            None => None,
        };
        let trusted_proxies = parse_networks("LLAVERO_TRUSTED_PROXIES", &self.trusted_proxies)?;
        let log_format = match self.log_format.as_str() {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => {
                return Err(ConfigError(format!(
                    "LLAVERO_LOG_FORMAT={other:?}: expected text or json"
                )))
            }
        };

        let session_hours = within("LLAVERO_SESSION_HOURS", self.session_hours, 1..=24 * 30)?;
        let idle_minutes = within(
            "LLAVERO_SESSION_IDLE_MINUTES",
            self.session_idle_minutes,
            1..=24 * 60,
        )?;
        let hash_concurrency =
            within_opt("LLAVERO_HASH_CONCURRENCY", self.hash_concurrency, 1..=64)?
                .map_or_else(crate::passwords::default_concurrency, |n| n as usize);
        let key_create_per_minute = within(
            "LLAVERO_KEY_CREATE_PER_MINUTE",
            self.key_create_per_minute,
            0..=100_000,
        )?;
        let key_failures_per_minute = within(
            "LLAVERO_KEY_FAILURES_PER_MINUTE",
            self.key_failures_per_minute,
            0..=1_000_000,
        )?;

        let max_lifetime = within_opt(
            "LLAVERO_KEY_MAX_LIFETIME_DAYS",
            self.key_max_lifetime_days,
            1..=36_500,
        )?;
        let default_lifetime = within_opt(
            "LLAVERO_KEY_DEFAULT_LIFETIME_DAYS",
            self.key_default_lifetime_days,
            1..=36_500,
        )?;
        if let (Some(max), Some(default)) = (max_lifetime, default_lifetime) {
            if default > max {
                return Err(ConfigError(format!(
                    "LLAVERO_KEY_DEFAULT_LIFETIME_DAYS={default} exceeds LLAVERO_KEY_MAX_LIFETIME_DAYS={max}"
                )));
            }
        }
        let key_policy = KeyPolicy {
            scopes: policy::parse_scopes(self.scopes.as_ref())?,
            max_lifetime_days: max_lifetime.map(|d| d as u32),
            default_lifetime_days: default_lifetime.map(|d| d as u32),
        };

        let cache_secs = within("LLAVERO_CACHE_TTL_SECS", self.cache_ttl_secs, 0..=300)?;
        let flush_ms = within("LLAVERO_USAGE_FLUSH_MS", self.usage_flush_ms, 10..=60_000)?;
        let revoke_unused_after_days = within_opt(
            "LLAVERO_REVOKE_UNUSED_AFTER_DAYS",
            self.revoke_unused_after_days,
            1..=36_500,
        )?;
        let housekeeping_secs = within(
            "LLAVERO_HOUSEKEEPING_SECS",
            self.housekeeping_secs,
            1..=86_400,
        )?;
        let webhook_reach = llavero_domain::webhook::Reach {
            allow_http: self.webhook_allow_http,
            allow_networks: parse_networks(
                "LLAVERO_WEBHOOK_ALLOW_NETWORKS",
                &self.webhook_allow_networks,
            )?,
        };
        if let Some(source) = &self.github_scanning_keys {
            if source.starts_with("http://")
                && !source
                    .strip_prefix("http://")
                    .and_then(|rest| rest.split(['/', ':']).next())
                    .is_some_and(|host| {
                        llavero_domain::webhook::is_loopback_host(host.trim_matches(['[', ']']))
                    })
            {
                return Err(ConfigError(format!(
                    "LLAVERO_GITHUB_SCANNING_KEYS={source:?}: a URL must be https:// (http:// only to loopback)"
                )));
            }
        }
        let db_max_connections = within_opt(
            "LLAVERO_DB_MAX_CONNECTIONS",
            self.db_max_connections,
            2..=256,
        )?;
        let db_lookups_in_flight = within_opt(
            "LLAVERO_DB_LOOKUPS_IN_FLIGHT",
            self.db_lookups_in_flight,
            1..=255,
        )?;
        let workers = within_opt("LLAVERO_WORKERS", self.workers, 1..=256)?;

        let database = if self.database_url.starts_with("sqlite:") {
            Database::Sqlite {
                path: sqlite_path(&self.database_url),
            }
        } else if self.database_url.starts_with("postgres://")
            || self.database_url.starts_with("postgresql://")
        {
            Database::Postgres
        } else {
            return Err(ConfigError(
                "LLAVERO_DATABASE_URL must start with sqlite: or postgres://".to_owned(),
            ));
        };
        let is_sqlite = matches!(database, Database::Sqlite { .. });
        let db_max_connections =
            db_max_connections.map_or(if is_sqlite { 4 } else { 16 }, |n| n as u32);
        // Two lookups in flight keep the database busy across a round trip
        // (one answered while the next is sent); more split the waiting
        // misses into smaller batches that cost the database more per key
        // (docs/profile.md, "Sixth round").
        let db_lookups_in_flight = match db_lookups_in_flight {
            None => 2.min(db_max_connections - 1),
            Some(n) if n as u32 >= db_max_connections => {
                return Err(ConfigError(format!(
                    "LLAVERO_DB_LOOKUPS_IN_FLIGHT={n} must be below LLAVERO_DB_MAX_CONNECTIONS \
                     ({db_max_connections}): a connection must stay for everything else"
                )));
            }
            Some(n) => n as u32,
        };
        let oidc = oidc::parse(&self)?;
        if !self.local_login && oidc.is_none() {
            return Err(ConfigError(
                "LLAVERO_LOCAL_LOGIN=false needs an identity provider (LLAVERO_OIDC_ISSUER): \
                 else nobody could sign in"
                    .to_owned(),
            ));
        }

        Ok(Settings {
            database_url: Secret::new(self.database_url),
            database,
            listen,
            public_url,
            api_endpoint,
            key_prefix,
            key_pepper: self.key_pepper.map(Secret::new),
            verify_token,
            leaks_token,
            metrics_listen,
            metrics_token,
            admin_username: self.admin_username,
            admin_password: self.admin_password.map(Secret::new),
            trusted_proxies,
            log_format,
            session_ttl: Duration::from_secs(session_hours * 3600),
            session_idle: Duration::from_secs(idle_minutes * 60),
            hash_concurrency,
            key_create_per_minute: key_create_per_minute as u32,
            key_failures_per_minute: key_failures_per_minute as u32,
            key_policy,
            brand: self.brand,
            db_max_connections,
            db_lookups_in_flight,
            cache_ttl: Duration::from_secs(cache_secs),
            usage_flush: Duration::from_millis(flush_ms),
            revoke_unused_after_days: revoke_unused_after_days.map(|d| d as u32),
            housekeeping: Duration::from_secs(housekeeping_secs),
            webhook_reach,
            webhook_sender: self.webhook_sender,
            github_scanning_keys: self.github_scanning_keys,
            workers: workers.map(|n| n as usize),
            web_dir: match self.web_dir {
                Some(dir) => Some(PathBuf::from(dir)),
                // Where `just run` builds it, when run from the repository.
                None => {
                    Some(PathBuf::from(DEFAULT_WEB_DIR)).filter(|d| d.join("index.html").is_file())
                }
            },
            oidc,
            local_login: self.local_login,
        })
    }
}

impl Settings {
    /// The public base URL, given the address actually bound (which differs
    /// from `listen` when it asks for port 0).
    pub fn public_url(&self, bound: SocketAddr) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| derived_public_url(bound))
    }

    /// This service's own API: `<public_url>/api/v1` (what `Location`
    /// headers point at).
    pub fn own_api(&self, bound: SocketAddr) -> String {
        format!("{}/api/v1", self.public_url(bound))
    }

    /// The URL shown atop the key list: `LLAVERO_API_ENDPOINT` (the
    /// portal's API behind its gateway), else [`Settings::own_api`].
    pub fn api_endpoint(&self, bound: SocketAddr) -> String {
        self.api_endpoint
            .clone()
            .unwrap_or_else(|| self.own_api(bound))
    }

    /// Whether cookies must carry `Secure` (the public URL is https).
    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }

    /// The SQLite database file, when the database is a SQLite file.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        match &self.database {
            Database::Sqlite { path } => path.clone(),
            Database::Postgres => None,
        }
    }
}

/// `http://<listen>`, with a wildcard address shown as `localhost`.
fn derived_public_url(listen: SocketAddr) -> String {
    if listen.ip().is_unspecified() {
        format!("http://localhost:{}", listen.port())
    } else {
        format!("http://{listen}")
    }
}

/// IP addresses and CIDR networks.
fn parse_networks(name: &str, list: &[String]) -> Result<Vec<IpNet>, ConfigError> {
    list.iter()
        .map(|s| {
            s.parse::<IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(IpNet::from))
                .map_err(|_| ConfigError(format!("{name}: {s:?} is not an IP or CIDR")))
        })
        .collect()
}

/// The file path in a `sqlite:` URL; `None` for in-memory databases.
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() || path == ":memory:" {
        None
    } else {
        Some(PathBuf::from(path))
    }
}

#[cfg(test)]
mod tests;
