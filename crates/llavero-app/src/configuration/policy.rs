//! The key policy an operator configures: the catalogue of scopes keys may
//! be limited to (`LLAVERO_SCOPES`, or `scopes` in the file with
//! descriptions in Spanish and English) and key lifetimes
//! (`LLAVERO_KEY_MAX_LIFETIME_DAYS`, `LLAVERO_KEY_DEFAULT_LIFETIME_DAYS`).
//!
//! The catalogue always ends with Llavero's own `llavero:manage`.

use llavero_domain::limits::{is_scope_name, MANAGE};
use llavero_types::{Described, Scope};
use serde::{Deserialize, Serialize};

use super::config::Scopes;
use super::ConfigError;

/// Most scopes an operator may declare.
pub const MAX_SCOPES: usize = 200;

/// What keys may be given: the scope catalogue and lifetime limits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyPolicy {
    /// The operator's scopes in their order, then `llavero:manage`.
    pub scopes: Vec<Scope>,
    /// The longest lifetime a key may have, in days.
    pub max_lifetime_days: Option<u32>,
    /// The lifetime of a key created without an expiry, in days.
    pub default_lifetime_days: Option<u32>,
}

impl KeyPolicy {
    /// Whether `name` is in the catalogue.
    pub fn knows(&self, name: &str) -> bool {
        self.scopes.iter().any(|s| s.name == name)
    }
}

/// One entry of the file's `scopes` list: a name, or a described table.
#[derive(Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum ScopeEntry {
    Name(String),
    Described {
        name: String,
        #[serde(default)]
        description: Option<Described>,
    },
}

/// Parses the catalogue: the file's list (of names or tables), or text —
/// names separated by commas (the variable), or that list as JSON.
pub fn parse_scopes(raw: Option<&Scopes>) -> Result<Vec<Scope>, ConfigError> {
    let bad = |why: String| ConfigError(format!("LLAVERO_SCOPES: {why}"));
    let listed: Vec<ScopeEntry> = match raw {
        None => Vec::new(),
        Some(Scopes::List(entries)) => entries.clone(),
        Some(Scopes::Names(json)) if json.trim().starts_with('[') => serde_json::from_str(json)
            .map_err(|e| {
                bad(format!(
                    "expected a list of names or of {{name, description = {{es, en}}}} tables ({e})"
                ))
            })?,
        Some(Scopes::Names(list)) => list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| ScopeEntry::Name(s.to_owned()))
            .collect(),
    };
    let entries: Vec<(String, Option<Described>)> = listed
        .into_iter()
        .map(|e| match e {
            ScopeEntry::Name(name) => (name, None),
            ScopeEntry::Described { name, description } => (name, description),
        })
        .collect();
    if entries.len() > MAX_SCOPES {
        return Err(bad(format!("at most {MAX_SCOPES} scopes")));
    }
    let mut scopes: Vec<Scope> = Vec::with_capacity(entries.len() + 1);
    for (name, description) in entries {
        if !is_scope_name(&name) {
            return Err(bad(format!(
                "{name:?} is not a scope name (^[a-z][a-z0-9_.:-]{{0,63}}$)"
            )));
        }
        if name == MANAGE {
            return Err(bad(format!("{MANAGE} is built in; leave it out")));
        }
        if scopes.iter().any(|s| s.name == name) {
            return Err(bad(format!("{name:?} is declared twice")));
        }
        scopes.push(Scope {
            name,
            description,
            builtin: false,
        });
    }
    scopes.push(Scope {
        name: MANAGE.to_owned(),
        description: Some(Described {
            es: "Gestionar las claves de API del usuario (y, con una clave de administrador, los usuarios)".to_owned(),
            en: "Manage the user's API keys (and, with an admin's key, users)".to_owned(),
        }),
        builtin: true,
    });
    Ok(scopes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Scopes {
        Scopes::Names(s.to_owned())
    }

    #[test]
    fn names_from_the_variable_and_tables_from_the_file() {
        let names = parse_scopes(Some(&text("compute:read, compute:write"))).unwrap();
        assert_eq!(
            names.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
            ["compute:read", "compute:write", MANAGE]
        );
        let tables = parse_scopes(Some(&text(
            r#"[{"name":"dns:edit","description":{"es":"Editar DNS","en":"Edit DNS"}},"dns:read"]"#,
        )))
        .unwrap();
        assert_eq!(tables[0].description.as_ref().unwrap().es, "Editar DNS");
        assert_eq!(tables[1].description, None);
        assert_eq!(parse_scopes(None).unwrap().len(), 1);
    }

    #[test]
    fn bad_catalogues_are_refused_by_name() {
        for bad in [
            "Compute",
            "a,a",
            "llavero:manage",
            "[1]",
            "[{\"nombre\":1}]",
        ] {
            let err = parse_scopes(Some(&text(bad))).unwrap_err();
            assert!(err.0.contains("LLAVERO_SCOPES"), "{bad}: {}", err.0);
        }
    }
}
