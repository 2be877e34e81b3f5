//! Where settings come from, in layers: built-in defaults, then an optional
//! TOML file (`--config FILE` or `LLAVERO_CONFIG`), then `LLAVERO_*`
//! environment variables — each layer overriding the one before.
//!
//! figment merges the layers; every value then goes through the one
//! validation in [`Settings::from_lookup`], so a value means the same, and
//! fails with the same message, whichever layer set it. A file key is the
//! variable's name without `LLAVERO_`, in lower case (`listen`,
//! `database_url`, …); an unknown key in the file is an error, not a typo
//! silently ignored.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;

use super::{ConfigError, Settings};

/// Every setting, as a file key (`LLAVERO_` + upper case is its variable).
pub const KEYS: &[&str] = &[
    "database_url",
    "listen",
    "public_url",
    "api_endpoint",
    "key_prefix",
    "key_pepper",
    "verify_token",
    "leaks_token",
    "metrics_listen",
    "metrics_token",
    "admin_username",
    "admin_password",
    "trusted_proxies",
    "log_format",
    "session_hours",
    "session_idle_minutes",
    "hash_concurrency",
    "key_create_per_minute",
    "scopes",
    "key_max_lifetime_days",
    "key_default_lifetime_days",
    "revoke_unused_after_days",
    "housekeeping_secs",
    "webhook_allow_http",
    "webhook_allow_networks",
    "webhook_sender",
    "github_scanning_keys",
    "key_failures_per_minute",
    "cache_ttl_secs",
    "usage_flush_ms",
    "db_max_connections",
    "db_lookups_in_flight",
    "workers",
    "web_dir",
    "brand",
    "oidc_issuer",
    "oidc_client_id",
    "oidc_client_secret",
    "oidc_name",
    "oidc_scopes",
    "oidc_roles_claim",
    "oidc_admin_value",
    "oidc_timeout_secs",
    "local_login",
];

/// A setting's value as text, whatever type the layer gave it: TOML numbers
/// and booleans, and figment's parsing of environment values, all become
/// the text the validation reads; a list of strings (`trusted_proxies`)
/// is joined with commas, a list of tables (`scopes`) becomes JSON.
struct Text(String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, number, boolean or list of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text(v.to_owned()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_char<E: de::Error>(self, v: char) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Text, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<serde_json::Value>()? {
                    items.push(item);
                }
                // A list of strings is joined with commas, like the
                // variable; anything richer (the scope catalogue's tables)
                // is passed on as JSON.
                let strings: Option<Vec<&str>> =
                    items.iter().map(serde_json::Value::as_str).collect();
                Ok(Text(match strings {
                    Some(strings) => strings.join(","),
                    None => serde_json::Value::Array(items).to_string(),
                }))
            }
        }
        d.deserialize_any(V)
    }
}

/// Loads the settings: defaults, then `file` (when given), then the
/// process environment.
pub fn load(file: Option<&Path>) -> Result<Settings, ConfigError> {
    load_with(file, Env::prefixed("LLAVERO_"))
}

/// [`load`] with the environment layer given, for tests.
///
/// Environment values are taken verbatim: figment's `Env` provider would
/// parse them (`0012` → `12`, quotes stripped, escapes applied), which must
/// never happen to a pepper, a token or a password. So the layer is built
/// from the raw strings.
pub(super) fn load_with(file: Option<&Path>, env: Env) -> Result<Settings, ConfigError> {
    let mut figment = Figment::new();
    if let Some(path) = file {
        if !path.is_file() {
            return Err(ConfigError(format!(
                "{}: no such configuration file (--config / LLAVERO_CONFIG)",
                path.display()
            )));
        }
        // Only the first line of a parse error: the rest quotes the file's
        // text, which may hold a secret.
        let in_file: BTreeMap<String, figment::value::Value> =
            Figment::from(Toml::file_exact(path))
                .extract()
                .map_err(|e| {
                    let first = e.to_string().lines().next().unwrap_or_default().to_owned();
                    ConfigError(format!("{}: {first}", path.display()))
                })?;
        if let Some(unknown) = in_file.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return Err(ConfigError(format!(
                "{}: unknown setting {unknown:?}; known settings: {}",
                path.display(),
                KEYS.join(", ")
            )));
        }
        figment = figment.merge(Toml::file_exact(path));
    }
    let from_env: BTreeMap<String, String> = env
        .only(KEYS)
        .iter()
        .map(|(k, v)| (k.as_str().to_ascii_lowercase(), v))
        .collect();
    let env_keys: Vec<String> = from_env.keys().cloned().collect();
    figment = figment.merge(Serialized::defaults(from_env));
    let values: BTreeMap<String, Text> = figment.extract().map_err(|e| {
        let first = e.to_string().lines().next().unwrap_or_default().to_owned();
        ConfigError(format!("configuration: {first}"))
    })?;
    Settings::from_lookup(|name| {
        let key = name.strip_prefix("LLAVERO_")?.to_ascii_lowercase();
        values.get(&key).map(|t| t.0.clone())
    })
    .map_err(|ConfigError(message)| match file {
        // Name the file when the refused value came from it.
        Some(path) => match KEYS.iter().find(|k| {
            message.contains(&format!("LLAVERO_{}", k.to_ascii_uppercase()))
                && !env_keys.iter().any(|e| e == *k)
        }) {
            Some(key) => ConfigError(format!("{message} (set as `{key}` in {})", path.display())),
            None => ConfigError(message),
        },
        None => ConfigError(message),
    })
}
