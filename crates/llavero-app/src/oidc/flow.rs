//! One sign-in through the provider in progress: what must be remembered
//! between leaving for the provider and coming back — the `state`, the
//! nonce, the PKCE verifier, where to return — and its seal.
//!
//! The browser carries it (the server's `auth::flow_cookie` puts it in a
//! cookie), sealed with a tag of the pepper so it cannot be forged or
//! changed: that binds the sign-in to the browser that started it, costs
//! no table and no clean-up, and works on every replica.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use llavero_domain::hashing::constant_time_eq;
use llavero_domain::Pepper;
use serde::{Deserialize, Serialize};

/// How long a sign-in may take at the provider.
pub const FLOW_LIFETIME: Duration = Duration::from_secs(600);

/// One sign-in in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flow {
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// A path of the web app to land on (always starts with one `/`).
    pub return_to: String,
    /// Unix seconds after which the flow is void.
    pub expires: i64,
}

impl Flow {
    /// The flow as `body.tag`: its JSON in base64url and the pepper's tag
    /// of that.
    pub fn seal(&self, pepper: &Pepper) -> String {
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default());
        let tag = URL_SAFE_NO_PAD.encode(pepper.flow_tag(body.as_bytes()));
        format!("{body}.{tag}")
    }

    /// The flow `sealed` carries, if its seal holds and it has not expired
    /// by `now` (unix seconds).
    pub fn unseal(sealed: &str, pepper: &Pepper, now: i64) -> Option<Flow> {
        let (body, tag) = sealed.split_once('.')?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        if !constant_time_eq(&tag, &pepper.flow_tag(body.as_bytes())) {
            return None;
        }
        let flow: Flow = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(body).ok()?).ok()?;
        (flow.expires > now).then_some(flow)
    }
}
