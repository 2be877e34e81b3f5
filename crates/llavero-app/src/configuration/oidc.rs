//! The identity-provider settings (`LLAVERO_OIDC_*`): which OpenID provider
//! users sign in through, as which client, and which claim makes an admin.
//!
//! Only the shape is checked here; whether the provider answers is learnt at
//! the first sign-in (discovery), so Llavero starts even while the provider
//! is down, and its sign-in answers 503 until the provider is back.

use std::time::Duration;

use llavero_domain::Secret;

use super::{within, Config, ConfigError};

/// How users sign in through the OpenID provider.
#[derive(Debug, Clone)]
pub struct OidcSettings {
    /// The provider's issuer identifier (discovery is at
    /// `<issuer>/.well-known/openid-configuration`).
    pub issuer: String,
    pub client_id: String,
    /// `None`: a public client (PKCE alone).
    pub client_secret: Option<Secret<String>>,
    /// Shown on the sign-in button ("Sign in with <name>").
    pub name: String,
    /// Asked for in the authorization request; always holds `openid`.
    pub scopes: Vec<String>,
    /// The claim that carries the user's groups or roles; a dotted path
    /// reaches into objects (`realm_access.roles`).
    pub roles_claim: String,
    /// A value of [`Self::roles_claim`] that makes a user an admin; `None`:
    /// roles are managed in Llavero and sign-in leaves them alone.
    pub admin_value: Option<String>,
    /// The longest any one request to the provider may take.
    pub timeout: Duration,
}

/// The provider settings of `config`; `None` when no issuer is set.
pub(super) fn parse(config: &Config) -> Result<Option<OidcSettings>, ConfigError> {
    let Some(issuer) = config.oidc_issuer.clone() else {
        if let Some((other, _)) = [
            ("LLAVERO_OIDC_CLIENT_ID", &config.oidc_client_id),
            ("LLAVERO_OIDC_CLIENT_SECRET", &config.oidc_client_secret),
            ("LLAVERO_OIDC_NAME", &config.oidc_name),
        ]
        .into_iter()
        .find(|(_, value)| value.is_some())
        {
            return Err(ConfigError(format!(
                "{other} is set but LLAVERO_OIDC_ISSUER is not: set the provider's issuer URL"
            )));
        }
        return Ok(None);
    };
    // Kept exactly as given: discovery must find this very string as the
    // provider's `issuer` (some end in `/`, as Authentik's do).
    let host = issuer
        .strip_prefix("https://")
        .or_else(|| {
            issuer
                .strip_prefix("http://")
                .filter(|rest| is_loopback(rest))
        })
        .filter(|rest| !rest.is_empty() && !rest.contains(char::is_whitespace));
    if host.is_none() {
        return Err(ConfigError(format!(
            "LLAVERO_OIDC_ISSUER={issuer:?} must be an https:// URL (http:// only to loopback)"
        )));
    }
    let client_id = config.oidc_client_id.clone().ok_or_else(|| {
        ConfigError(
            "LLAVERO_OIDC_CLIENT_ID is required with LLAVERO_OIDC_ISSUER: the client id the \
             provider gave Llavero"
                .to_owned(),
        )
    })?;
    let scopes: Vec<String> = config
        .oidc_scopes
        .split([' ', ','])
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if !scopes.iter().any(|s| s == "openid") {
        return Err(ConfigError(format!(
            "LLAVERO_OIDC_SCOPES={:?} must include openid",
            scopes.join(" ")
        )));
    }
    if let Some(bad) = scopes.iter().find(|s| {
        !s.chars()
            .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\')
    }) {
        return Err(ConfigError(format!(
            "LLAVERO_OIDC_SCOPES: {bad:?} is not a scope name"
        )));
    }
    let roles_claim = config.oidc_roles_claim.clone();
    if roles_claim.split('.').any(str::is_empty) {
        return Err(ConfigError(format!(
            "LLAVERO_OIDC_ROLES_CLAIM={roles_claim:?} is not a claim name or dotted path"
        )));
    }
    let timeout = within(
        "LLAVERO_OIDC_TIMEOUT_SECS",
        config.oidc_timeout_secs,
        1..=120,
    )?;
    Ok(Some(OidcSettings {
        name: config
            .oidc_name
            .clone()
            .unwrap_or_else(|| "OpenID Connect".to_owned()),
        issuer,
        client_id,
        client_secret: config.oidc_client_secret.clone().map(Secret::new),
        scopes,
        roles_claim,
        admin_value: config.oidc_admin_value.clone(),
        timeout: Duration::from_secs(timeout),
    }))
}

/// Whether `rest` (a URL after `http://`) names a loopback host.
fn is_loopback(rest: &str) -> bool {
    let authority = rest.split('/').next().unwrap_or_default();
    let host = match authority.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => authority,
    };
    llavero_domain::webhook::is_loopback_host(host.trim_matches(['[', ']']))
}
