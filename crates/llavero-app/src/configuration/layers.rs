//! Where settings come from, in layers: built-in defaults
//! ([`Config::default`]), then an optional TOML file (`--config FILE` or
//! `LLAVERO_CONFIG`), then `LLAVERO_*` environment variables — each layer
//! overriding the one before. figment merges the layers into one
//! [`Config`]; [`Config::validate`] then checks it.
//!
//! A file key is the variable's name without `LLAVERO_`, in lower case
//! (`listen`, `database_url`, …). An unknown key in the file is an error
//! (`deny_unknown_fields`), not a typo silently ignored; an `LLAVERO_*`
//! variable that is no setting (`LLAVERO_CONFIG`, `LLAVERO_PASSWORD`) is
//! left alone.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use figment::error::Kind;
use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;

use super::{Config, ConfigError, Settings};

/// Every setting's file key (`LLAVERO_` + upper case is its variable), in
/// the order [`Config`] declares them: the properties of its schema.
pub fn keys() -> &'static [String] {
    static KEYS: OnceLock<Vec<String>> = OnceLock::new();
    KEYS.get_or_init(|| super::markdown::rows().into_iter().map(|r| r.key).collect())
}

/// Loads the settings: defaults, then `file` (when given), then the
/// process environment.
pub fn load(file: Option<&Path>) -> Result<Settings, ConfigError> {
    load_with(file, Env::prefixed("LLAVERO_"))
}

/// Settings from `LLAVERO_*` variables given as pairs (no file, not the
/// process's environment): what tests and embedders start from.
pub fn from_variables(
    vars: impl IntoIterator<Item = (String, String)>,
) -> Result<Settings, ConfigError> {
    let from_env = vars
        .into_iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("LLAVERO_")?.to_ascii_lowercase(), v)))
        .collect();
    load_from(None, from_env)
}

/// The first line of a figment error: the rest may quote the file's text,
/// which may hold a secret.
fn first_line(e: &impl std::fmt::Display) -> String {
    e.to_string().lines().next().unwrap_or_default().to_owned()
}

/// [`load`] with the environment layer given, for tests.
///
/// Environment values are taken verbatim: figment's `Env` provider would
/// parse them (`0012` → `12`, quotes stripped, escapes applied), which must
/// never happen to a pepper, a token or a password. So the layer is built
/// from the raw strings; an empty one counts as unset.
pub(super) fn load_with(file: Option<&Path>, env: Env) -> Result<Settings, ConfigError> {
    let from_env: BTreeMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.as_str().to_ascii_lowercase(), v))
        .collect();
    load_from(file, from_env)
}

/// The layers merged and checked: defaults, `file`, then `from_env` (file
/// keys to the variables' raw values; empty ones count as unset).
pub(super) fn load_from(
    file: Option<&Path>,
    mut from_env: BTreeMap<String, String>,
) -> Result<Settings, ConfigError> {
    let mut figment = Figment::from(Serialized::defaults(Config::default()));
    if let Some(path) = file {
        if !path.is_file() {
            return Err(ConfigError(format!(
                "{}: no such configuration file (--config / LLAVERO_CONFIG)",
                path.display()
            )));
        }
        Figment::from(Toml::file_exact(path))
            .extract::<figment::value::Dict>()
            .map_err(|e| ConfigError(format!("{}: {}", path.display(), first_line(&e))))?;
        figment = figment.merge(Toml::file_exact(path));
    }
    let keys: Vec<&str> = keys().iter().map(String::as_str).collect();
    from_env.retain(|k, v| keys.contains(&k.as_str()) && !v.trim().is_empty());
    let env_keys: Vec<String> = from_env.keys().cloned().collect();
    figment = figment.merge(Serialized::defaults(from_env));
    // Name the file when the refused value came from it.
    let in_file = |key: &str, message: String| match file {
        Some(path) if !env_keys.iter().any(|e| e == key) => {
            format!("{message} (set as `{key}` in {})", path.display())
        }
        _ => message,
    };
    let config: Config = figment.extract().map_err(|e| {
        let key = e.path.last().cloned().unwrap_or_default();
        match (&e.kind, file) {
            (Kind::UnknownField(field, _), Some(path)) => ConfigError(format!(
                "{}: unknown setting {field:?}; known settings: {}",
                path.display(),
                keys.join(", ")
            )),
            _ if key.is_empty() => ConfigError(format!("configuration: {}", first_line(&e.kind))),
            _ => ConfigError(in_file(
                &key,
                format!(
                    "LLAVERO_{}: {}",
                    key.to_ascii_uppercase(),
                    first_line(&e.kind)
                ),
            )),
        }
    })?;
    config.validate().map_err(|ConfigError(message)| {
        match keys
            .iter()
            .find(|k| message.contains(&format!("LLAVERO_{}", k.to_ascii_uppercase())))
        {
            Some(key) => ConfigError(in_file(key, message)),
            None => ConfigError(message),
        }
    })
}
