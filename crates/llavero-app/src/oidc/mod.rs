//! The relying party: Llavero signing users in through the portal's OpenID
//! provider (authorization code flow, PKCE S256, `state`, nonce).
//!
//! Every protocol check is the `openidconnect` crate's — discovery and its
//! issuer check, the JWKS, the ID token's signature, issuer, audience,
//! expiry and nonce, the `at_hash`, userinfo's `sub` — none is written
//! here. What is ours: where the flow's secrets live between the two legs
//! ([`flow`]), what the claims mean for a Llavero user ([`claims`]), and
//! failing fast: the provider is reached with a timeout and without
//! following redirects (a redirect would let a bad provider URL point
//! Llavero's requests anywhere), and every failure to reach it is
//! [`OidcError::Unavailable`] (503), never a hang.
//!
//! Discovery (with the JWKS) is cached for [`METADATA_TTL`] and fetched
//! again when a token's signature does not verify with the cached keys
//! (key rotation) — at most once per [`REFETCH_AFTER`], so bad tokens
//! cannot make Llavero hammer the provider. A failed fetch is remembered
//! for [`REFETCH_AFTER`] too: while the provider is down, sign-ins answer
//! 503 at once instead of each waiting out the timeout in turn.

pub mod claims;
pub mod flow;

use std::time::{Duration, Instant};

use llavero_store::users::ProviderIdentity;
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType,
    CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreRevocableToken, CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AccessTokenHash, AdditionalClaims, AuthorizationCode, ClaimsVerificationError, ClientId,
    ClientSecret, CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet,
    IdTokenFields, IssuerUrl, LogoutRequest, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PkceCodeVerifier, PostLogoutRedirectUrl, ProviderMetadataWithLogout, RedirectUrl,
    RequestTokenError, Scope, StandardErrorResponse, StandardTokenResponse, TokenResponse,
    UserInfoClaims,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tokio::sync::Mutex;

use crate::configuration::OidcSettings;
use flow::Flow;

/// How long discovery and the JWKS are trusted before being fetched again.
pub const METADATA_TTL: Duration = Duration::from_secs(600);
/// The least time between two fetches of discovery (after a failure, or
/// for unknown keys).
pub const REFETCH_AFTER: Duration = Duration::from_secs(5);

/// The last fetch of discovery: when, and what it gave.
#[derive(Debug)]
struct Fetched {
    at: Instant,
    result: Result<ProviderMetadataWithLogout, String>,
}

/// Claims beyond the standard ones (the groups or roles claim lives here).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Extra {
    #[serde(flatten)]
    pub claims: Map<String, Value>,
}
impl AdditionalClaims for Extra {}

type Tokens = StandardTokenResponse<
    IdTokenFields<
        Extra,
        EmptyExtraTokenFields,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >,
    CoreTokenType,
>;

type Client = openidconnect::Client<
    Extra,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    Tokens,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Why a sign-in through the provider failed.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// The provider could not be reached, or answered what is not OpenID
    /// Connect (its discovery document, its keys, its token endpoint).
    #[error("the identity provider is unavailable: {0}")]
    Unavailable(String),
    /// The callback's `state` is missing or is not this browser's flow.
    #[error("the sign-in's state is missing, wrong or expired")]
    StateInvalid,
    /// The provider answered the authorization with an `error`.
    #[error("the identity provider refused the sign-in: {0}")]
    Denied(String),
    /// The token endpoint refused the code (replayed, expired, not ours).
    #[error("the identity provider refused the code: {0}")]
    CodeRejected(String),
    /// The ID token failed validation.
    #[error("the ID token is not valid: {0}")]
    TokenInvalid(String),
}

/// Who the provider says signed in.
#[derive(Debug, Clone)]
pub struct ProviderUser {
    pub identity: ProviderIdentity,
    pub preferred_username: Option<String>,
    pub email: Option<String>,
    /// From the roles claim; `None` when no admin value is configured (the
    /// role is then Llavero's own business).
    pub admin: Option<bool>,
}

/// The provider, as configured, with its discovery cached.
#[derive(Debug)]
pub struct Oidc {
    settings: OidcSettings,
    redirect: RedirectUrl,
    post_logout: String,
    http: reqwest::Client,
    metadata: Mutex<Option<Fetched>>,
}

impl Oidc {
    /// The relying party for `settings`, reached back at `public_url`.
    pub fn new(settings: OidcSettings, public_url: &str) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            // Following redirects opens SSRF: the provider's URLs are used
            // as its discovery document gives them, or not at all.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(settings.timeout)
            .timeout(settings.timeout)
            .build()?;
        Ok(Oidc {
            redirect: RedirectUrl::new(format!("{public_url}/api/v1/auth/oidc/callback"))?,
            post_logout: format!("{public_url}/login"),
            settings,
            http,
            metadata: Mutex::new(None),
        })
    }

    /// The name on the sign-in button.
    pub fn name(&self) -> &str {
        &self.settings.name
    }

    /// The configured issuer.
    pub fn issuer(&self) -> &str {
        &self.settings.issuer
    }

    /// The provider's metadata: cached, or fetched (one fetch at a time;
    /// the others wait for it). `fresh` asks for newer keys than the cache
    /// holds.
    async fn metadata(&self, fresh: bool) -> Result<ProviderMetadataWithLogout, OidcError> {
        let mut last = self.metadata.lock().await;
        if let Some(f) = last.as_ref() {
            let age = f.at.elapsed();
            match &f.result {
                Ok(m) if age < REFETCH_AFTER || (!fresh && age < METADATA_TTL) => {
                    return Ok(m.clone())
                }
                Err(e) if age < REFETCH_AFTER => return Err(OidcError::Unavailable(e.clone())),
                _ => {}
            }
        }
        let issuer = IssuerUrl::new(self.settings.issuer.clone())
            .map_err(|e| OidcError::Unavailable(format!("issuer URL: {e}")))?;
        let result = ProviderMetadataWithLogout::discover_async(issuer, &self.http)
            .await
            .map_err(|e| format!("discovery: {}", chain(&e)));
        *last = Some(Fetched {
            at: Instant::now(),
            result: result.clone(),
        });
        result.map_err(OidcError::Unavailable)
    }

    fn client(&self, m: ProviderMetadataWithLogout) -> Client {
        Client::from_provider_metadata(
            m,
            ClientId::new(self.settings.client_id.clone()),
            self.settings
                .client_secret
                .as_ref()
                .map(|s| ClientSecret::new(s.expose().clone())),
        )
        .set_redirect_uri(self.redirect.clone())
    }

    /// Starts a sign-in: the provider's authorization URL to send the
    /// browser to, and the flow the browser must bring back.
    pub async fn start(&self, return_to: String, now: i64) -> Result<(String, Flow), OidcError> {
        let client = self.client(self.metadata(false).await?);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in self.settings.scopes.iter().filter(|s| *s != "openid") {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.url();
        let flow = Flow {
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            return_to,
            expires: now + flow::FLOW_LIFETIME.as_secs() as i64,
        };
        Ok((url.to_string(), flow))
    }

    /// Finishes a sign-in: trades `code` for tokens, validates the ID
    /// token against `flow`'s nonce, and reads who signed in (from the ID
    /// token, and from userinfo for what the ID token lacks).
    pub async fn finish(&self, flow: &Flow, code: String) -> Result<ProviderUser, OidcError> {
        let mut client = self.client(self.metadata(false).await?);
        let tokens: Tokens = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| OidcError::Unavailable(format!("token endpoint: {e}")))?
            .set_pkce_verifier(PkceCodeVerifier::new(flow.pkce_verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                RequestTokenError::ServerResponse(r) => {
                    OidcError::CodeRejected(r.error().to_string())
                }
                other => OidcError::Unavailable(format!("token endpoint: {}", chain(&other))),
            })?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| OidcError::TokenInvalid("the token answer has no ID token".into()))?;
        let nonce = Nonce::new(flow.nonce.clone());
        let first = id_token
            .claims(&client.id_token_verifier(), &nonce)
            .cloned();
        let verified = match first {
            Ok(c) => c,
            // A key we have not seen: the provider may have rotated its
            // keys since discovery was cached. Fetch once more, then judge.
            Err(ClaimsVerificationError::SignatureVerification(_)) => {
                client = self.client(self.metadata(true).await?);
                id_token
                    .claims(&client.id_token_verifier(), &nonce)
                    .cloned()
                    .map_err(|e| OidcError::TokenInvalid(e.to_string()))?
            }
            Err(e) => return Err(OidcError::TokenInvalid(e.to_string())),
        };
        if let Some(expected) = verified.access_token_hash() {
            let verifier = client.id_token_verifier();
            let alg = id_token
                .signing_alg()
                .map_err(|e| OidcError::TokenInvalid(e.to_string()))?;
            let key = id_token
                .signing_key(&verifier)
                .map_err(|e| OidcError::TokenInvalid(e.to_string()))?;
            let actual = AccessTokenHash::from_token(tokens.access_token(), alg, key)
                .map_err(|e| OidcError::TokenInvalid(e.to_string()))?;
            if actual != *expected {
                return Err(OidcError::TokenInvalid(
                    "the access token does not match the ID token's at_hash".into(),
                ));
            }
        }

        let subject = verified.subject().clone();
        let mut preferred = verified.preferred_username().map(|u| u.to_string());
        let mut email = verified.email().map(|e| e.to_string());
        let mut extra = verified.additional_claims().claims.clone();
        let roles_claim = self.settings.roles_claim.as_str();
        let wants_roles =
            self.settings.admin_value.is_some() && claims::lookup(&extra, roles_claim).is_none();
        if preferred.is_none() || email.is_none() || wants_roles {
            // Many providers keep profile and group claims at userinfo only.
            if let Ok(request) =
                client.user_info(tokens.access_token().clone(), Some(subject.clone()))
            {
                let info: UserInfoClaims<Extra, CoreGenderClaim> = request
                    .request_async(&self.http)
                    .await
                    .map_err(|e| OidcError::Unavailable(format!("userinfo: {}", chain(&e))))?;
                preferred = preferred.or_else(|| info.preferred_username().map(|u| u.to_string()));
                email = email.or_else(|| info.email().map(|e| e.to_string()));
                for (k, v) in info.additional_claims().claims.clone() {
                    extra.entry(k).or_insert(v);
                }
            }
        }
        Ok(ProviderUser {
            identity: ProviderIdentity {
                issuer: self.settings.issuer.clone(),
                subject: subject.to_string(),
            },
            preferred_username: preferred,
            email,
            admin: self
                .settings
                .admin_value
                .as_deref()
                .map(|value| claims::claim_holds(&extra, roles_claim, value)),
        })
    }

    /// Where to send the browser to end the provider's session too, when
    /// the provider offers RP-initiated logout; `None` when it does not (or
    /// cannot be reached: signing out here never waits on it).
    pub async fn logout_url(&self) -> Option<String> {
        let m = self.metadata(false).await.ok()?;
        let endpoint = m.additional_metadata().end_session_endpoint.clone()?;
        let back = PostLogoutRedirectUrl::new(self.post_logout.clone()).ok()?;
        Some(
            LogoutRequest::from(endpoint)
                .set_client_id(ClientId::new(self.settings.client_id.clone()))
                .set_post_logout_redirect_uri(back)
                .http_get_url()
                .to_string(),
        )
    }
}

/// An error and its causes on one line (reqwest hides the useful part,
/// "connection refused", in the source chain).
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
