//! Typed settings: defaults, then an optional TOML file, then `LLAVERO_*`
//! environment variables (the layers are merged in [`layers`]).
//!
//! Every setting has a default that makes `llavero serve` work out of the box
//! on an embedded SQLite file; anything production needs (PostgreSQL, the
//! pepper, the verify token) is one variable away. Secrets are wrapped in
//! [`Secret`] the moment they are read, so `{:?}` on [`Settings`] is safe.
//!
//! Validation goes through a lookup function rather than `std::env`
//! directly, so every layer shares it and tests build settings from a map
//! without touching the process environment.

mod layers;
pub mod oidc;
pub mod policy;

pub use layers::load;
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
const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
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
    pub admin_username: Option<String>,
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

impl Settings {
    /// Reads settings through `get` (a variable name → its value).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |name: &str| {
            get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let number = |name: &str, range: RangeInclusive<u64>| -> Result<Option<u64>, ConfigError> {
            var(name)
                .map(|v| {
                    v.parse().ok().filter(|n| range.contains(n)).ok_or_else(|| {
                        ConfigError(format!(
                            "{name}={v:?}: expected {} to {}",
                            range.start(),
                            range.end()
                        ))
                    })
                })
                .transpose()
        };

        // The compose example's placeholders must never run in earnest.
        for name in [
            "LLAVERO_KEY_PEPPER",
            "LLAVERO_VERIFY_TOKEN",
            "LLAVERO_LEAKS_TOKEN",
            "LLAVERO_METRICS_TOKEN",
            "LLAVERO_ADMIN_PASSWORD",
            "LLAVERO_DATABASE_URL",
            "LLAVERO_OIDC_CLIENT_SECRET",
        ] {
            if var(name).is_some_and(|v| v.contains(PLACEHOLDER)) {
                return Err(ConfigError(format!(
                    "{name} still holds the example's placeholder ({PLACEHOLDER}…): \
                     set a secret of your own (openssl rand -hex 24)"
                )));
            }
        }

        let listen_raw = var("LLAVERO_LISTEN").unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
        let listen: SocketAddr = listen_raw.parse().map_err(|_| {
            ConfigError(format!(
                "LLAVERO_LISTEN={listen_raw:?} is not an address like 127.0.0.1:8080"
            ))
        })?;

        let http_url = |name: &str| -> Result<Option<String>, ConfigError> {
            match var(name) {
                Some(url) => {
                    let scheme = url.strip_prefix("https://").or(url.strip_prefix("http://"));
                    if scheme.is_none_or(|rest| rest.is_empty())
                        || url.contains(char::is_whitespace)
                    {
                        return Err(ConfigError(format!(
                            "{name}={url:?} must be a URL starting with http:// or https://"
                        )));
                    }
                    Ok(Some(url.trim_end_matches('/').to_owned()))
                }
                None => Ok(None),
            }
        };
        let public_url = http_url("LLAVERO_PUBLIC_URL")?;
        let api_endpoint = http_url("LLAVERO_API_ENDPOINT")?;

        let key_prefix = match var("LLAVERO_KEY_PREFIX") {
            Some(p) => {
                KeyPrefix::parse(&p).map_err(|e| ConfigError(format!("LLAVERO_KEY_PREFIX: {e}")))?
            }
            None => KeyPrefix::default(),
        };

        let token = |name: &str| -> Result<Option<String>, ConfigError> {
            match var(name) {
                Some(t) if t.len() < MIN_VERIFY_TOKEN_LEN => Err(ConfigError(format!(
                    "{name} must be at least {MIN_VERIFY_TOKEN_LEN} characters"
                ))),
                t => Ok(t),
            }
        };
        let verify_token = token("LLAVERO_VERIFY_TOKEN")?;
        let leaks_token = token("LLAVERO_LEAKS_TOKEN")?;
        let metrics_token = token("LLAVERO_METRICS_TOKEN")?;
        if leaks_token.is_some() && leaks_token == verify_token {
            return Err(ConfigError(
                "LLAVERO_LEAKS_TOKEN must differ from LLAVERO_VERIFY_TOKEN: \
                 a gateway's token must not revoke keys"
                    .to_owned(),
            ));
        }
        let metrics_listen = match var("LLAVERO_METRICS_LISTEN") {
            Some(raw) => Some(raw.parse::<SocketAddr>().map_err(|_| {
                ConfigError(format!(
                    "LLAVERO_METRICS_LISTEN={raw:?} is not an address like 127.0.0.1:9464"
                ))
            })?),
            None => None,
        };

        let trusted_proxies = match var("LLAVERO_TRUSTED_PROXIES") {
            Some(list) => parse_networks("LLAVERO_TRUSTED_PROXIES", &list)?,
            None => Vec::new(),
        };

        let log_format = match var("LLAVERO_LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError(format!(
                    "LLAVERO_LOG_FORMAT={other:?}: expected text or json"
                )))
            }
        };

        let session_hours = number("LLAVERO_SESSION_HOURS", 1..=24 * 30)?.unwrap_or(12);
        let idle_minutes = number("LLAVERO_SESSION_IDLE_MINUTES", 1..=24 * 60)?.unwrap_or(60);
        let hash_concurrency = number("LLAVERO_HASH_CONCURRENCY", 1..=64)?
            .map_or_else(crate::passwords::default_concurrency, |n| n as usize);
        let key_create_per_minute =
            number("LLAVERO_KEY_CREATE_PER_MINUTE", 0..=100_000)?.unwrap_or(60) as u32;
        let key_failures_per_minute =
            number("LLAVERO_KEY_FAILURES_PER_MINUTE", 0..=1_000_000)?.unwrap_or(120) as u32;

        let max_lifetime = number("LLAVERO_KEY_MAX_LIFETIME_DAYS", 1..=36_500)?;
        let default_lifetime = number("LLAVERO_KEY_DEFAULT_LIFETIME_DAYS", 1..=36_500)?;
        if let (Some(max), Some(default)) = (max_lifetime, default_lifetime) {
            if default > max {
                return Err(ConfigError(format!(
                    "LLAVERO_KEY_DEFAULT_LIFETIME_DAYS={default} exceeds LLAVERO_KEY_MAX_LIFETIME_DAYS={max}"
                )));
            }
        }
        let key_policy = KeyPolicy {
            scopes: policy::parse_scopes(var("LLAVERO_SCOPES").as_deref())?,
            max_lifetime_days: max_lifetime.map(|d| d as u32),
            default_lifetime_days: default_lifetime.map(|d| d as u32),
        };

        let cache_secs = number("LLAVERO_CACHE_TTL_SECS", 0..=300)?.unwrap_or(10);
        let flush_ms = number("LLAVERO_USAGE_FLUSH_MS", 10..=60_000)?.unwrap_or(1000);
        let revoke_unused_after_days = number("LLAVERO_REVOKE_UNUSED_AFTER_DAYS", 1..=36_500)?;
        let housekeeping_secs = number("LLAVERO_HOUSEKEEPING_SECS", 1..=86_400)?.unwrap_or(300);
        let flag = |name: &str, default: bool| -> Result<bool, ConfigError> {
            match var(name).as_deref() {
                None => Ok(default),
                Some("true") => Ok(true),
                Some("false") => Ok(false),
                Some(other) => Err(ConfigError(format!(
                    "{name}={other:?}: expected true or false"
                ))),
            }
        };
        let webhook_reach = llavero_domain::webhook::Reach {
            allow_http: flag("LLAVERO_WEBHOOK_ALLOW_HTTP", false)?,
            allow_networks: match var("LLAVERO_WEBHOOK_ALLOW_NETWORKS") {
                Some(list) => parse_networks("LLAVERO_WEBHOOK_ALLOW_NETWORKS", &list)?,
                None => Vec::new(),
            },
        };
        let webhook_sender = flag("LLAVERO_WEBHOOK_SENDER", true)?;
        let github_scanning_keys = var("LLAVERO_GITHUB_SCANNING_KEYS");
        if let Some(source) = &github_scanning_keys {
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
        let db_max_connections = number("LLAVERO_DB_MAX_CONNECTIONS", 2..=256)?;
        let db_lookups_in_flight = number("LLAVERO_DB_LOOKUPS_IN_FLIGHT", 1..=255)?;
        let workers = number("LLAVERO_WORKERS", 1..=256)?;

        let database_url = var("LLAVERO_DATABASE_URL").unwrap_or_else(default_database_url);
        let database = if database_url.starts_with("sqlite:") {
            Database::Sqlite {
                path: sqlite_path(&database_url),
            }
        } else if database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://")
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
        let oidc = oidc::parse(&var, &number)?;
        let local_login = flag("LLAVERO_LOCAL_LOGIN", true)?;
        if !local_login && oidc.is_none() {
            return Err(ConfigError(
                "LLAVERO_LOCAL_LOGIN=false needs an identity provider (LLAVERO_OIDC_ISSUER): \
                 else nobody could sign in"
                    .to_owned(),
            ));
        }

        Ok(Settings {
            database_url: Secret::new(database_url),
            database,
            listen,
            public_url,
            api_endpoint,
            key_prefix,
            key_pepper: var("LLAVERO_KEY_PEPPER").map(Secret::new),
            verify_token: verify_token.map(Secret::new),
            leaks_token: leaks_token.map(Secret::new),
            metrics_listen,
            metrics_token: metrics_token.map(Secret::new),
            admin_username: var("LLAVERO_ADMIN_USERNAME"),
            admin_password: var("LLAVERO_ADMIN_PASSWORD").map(Secret::new),
            trusted_proxies,
            log_format,
            session_ttl: Duration::from_secs(session_hours * 3600),
            session_idle: Duration::from_secs(idle_minutes * 60),
            hash_concurrency,
            key_create_per_minute,
            key_failures_per_minute,
            key_policy,
            brand: var("LLAVERO_BRAND").unwrap_or_else(|| "Llavero".to_owned()),
            db_max_connections,
            db_lookups_in_flight,
            cache_ttl: Duration::from_secs(cache_secs),
            usage_flush: Duration::from_millis(flush_ms),
            revoke_unused_after_days: revoke_unused_after_days.map(|d| d as u32),
            housekeeping: Duration::from_secs(housekeeping_secs),
            webhook_reach,
            webhook_sender,
            github_scanning_keys,
            workers: workers.map(|n| n as usize),
            web_dir: match var("LLAVERO_WEB_DIR") {
                Some(dir) => Some(PathBuf::from(dir)),
                // Where `just run` builds it, when run from the repository.
                None => {
                    Some(PathBuf::from(DEFAULT_WEB_DIR)).filter(|d| d.join("index.html").is_file())
                }
            },
            oidc,
            local_login,
        })
    }

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

fn default_database_url() -> String {
    format!("sqlite://{DEFAULT_DATA_DIR}/llavero.db?mode=rwc")
}

/// `http://<listen>`, with a wildcard address shown as `localhost`.
fn derived_public_url(listen: SocketAddr) -> String {
    if listen.ip().is_unspecified() {
        format!("http://localhost:{}", listen.port())
    } else {
        format!("http://{listen}")
    }
}

/// A comma-separated list of IP addresses and CIDR networks.
fn parse_networks(name: &str, list: &str) -> Result<Vec<IpNet>, ConfigError> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
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
