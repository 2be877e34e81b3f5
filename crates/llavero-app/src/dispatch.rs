//! The webhook dispatcher: sends the outbox's deliveries, one task per
//! replica.
//!
//! It claims due deliveries (a lease each, see
//! `llavero_store::webhook_deliveries`), POSTs each with the Standard
//! Webhooks headers — `webhook-id` (`msg_` + the event id: the same on
//! every retry and every endpoint), `webhook-timestamp`, and
//! `webhook-signature` — and records how it went: a 2xx is delivered;
//! anything else is tried again on the backoff of
//! `llavero_domain::webhook`, for 24 hours. Up to [`IN_FLIGHT`] attempts
//! run at once, each bounded by [`ATTEMPT_TIMEOUT`]; the lease outlives
//! the timeout, so no other replica sends the same delivery meanwhile.
//!
//! It wakes at once when this process commits an event, and otherwise
//! polls every second (events other replicas wrote, retries that fell
//! due).
//!
//! Where it may connect: the URL is checked again before each attempt
//! (the operator may have turned plain http off since), redirects are not
//! followed, and every address a name resolves to is checked at connect
//! time, so a name that later points at a private or metadata address is
//! refused ([`GuardedResolver`]) and recorded as "address not allowed".

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use llavero_domain::webhook::{next_attempt, sign, Reach, UrlRefused};
use llavero_domain::Pepper;
use llavero_store::webhook_deliveries::{Claimed, Outcome};
use llavero_store::Store;

use crate::metrics::Metrics;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use tokio::task::JoinSet;

/// Most attempts in flight per replica.
pub const IN_FLIGHT: usize = 16;
/// The most one attempt may take, connecting included.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a claim holds a delivery (longer than an attempt).
const LEASE: Duration = Duration::from_secs(30);
/// How often the outbox is polled when nothing wakes the dispatcher.
const POLL: Duration = Duration::from_secs(1);

/// What a failed attempt records when the address was refused: never the
/// address itself (the admin reading it must learn nothing about the
/// network behind Llavero).
const NOT_ALLOWED: &str = "address not allowed";

/// The resolver's refusal, found again in the error chain by its type.
#[derive(Debug)]
struct NotAllowed;

impl std::fmt::Display for NotAllowed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(NOT_ALLOWED)
    }
}

impl std::error::Error for NotAllowed {}

/// Resolves names with the system resolver, refusing any name that
/// resolves to an address webhooks may not reach.
#[derive(Debug)]
struct GuardedResolver(Arc<Reach>);

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let reach = self.0.clone();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            if addrs
                .iter()
                .any(|a| reach.refused_address(a.ip()).is_some())
            {
                return Err(Box::new(NotAllowed) as Box<dyn std::error::Error + Send + Sync>);
            }
            let addrs: Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// The HTTP client deliveries go through: no proxy from the environment
/// (`HTTPS_PROXY` would carry every delivery past the address checks),
/// no redirects, every resolved address checked.
fn client(reach: Arc<Reach>) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .timeout(ATTEMPT_TIMEOUT)
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .dns_resolver(Arc::new(GuardedResolver(reach)))
        .user_agent(concat!("Llavero-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()?)
}

/// What the dispatcher needs.
#[derive(Debug, Clone)]
pub struct Dispatcher {
    pub store: Store,
    pub pepper: Pepper,
    pub reach: Arc<Reach>,
    pub metrics: Arc<Metrics>,
}

impl Dispatcher {
    /// Sends deliveries until aborted.
    pub async fn run(self) {
        let client = match client(self.reach.clone()) {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "webhooks are off: no HTTP client");
                return;
            }
        };
        let wake = self.store.outbox_signal();
        let lease = chrono::Duration::from_std(LEASE).unwrap_or(chrono::Duration::seconds(30));
        let mut running = JoinSet::new();
        loop {
            let room = IN_FLIGHT - running.len();
            let claimed = if room > 0 {
                match self.store.deliveries_claim(room as u64, lease).await {
                    Ok(c) => c,
                    Err(e) => {
                        tracing::warn!(error = %e, "could not claim webhook deliveries");
                        Vec::new()
                    }
                }
            } else {
                Vec::new()
            };
            let got = claimed.len();
            for c in claimed {
                running.spawn(attempt(client.clone(), self.clone(), c));
            }
            if got > 0 && got == room {
                // There may be more due: make room, then claim again.
                running.join_next().await;
                continue;
            }
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(POLL) => {}
                Some(_) = running.join_next(), if !running.is_empty() => {}
            }
        }
    }
}

/// One attempt of one delivery, and its record.
async fn attempt(client: reqwest::Client, d: Dispatcher, c: Claimed) {
    let result = send(&client, &d, &c).await;
    let now = llavero_store::now();
    let outcome = match result {
        Ok(status) if (200..300).contains(&status) => Outcome::Delivered { status },
        failed => {
            let (status, error) = match failed {
                Ok(status) => (Some(status), format!("answered {status}")),
                Err(error) => (None, error),
            };
            match next_attempt(c.attempts, c.event_created_at, now) {
                Some(at) => Outcome::Retry { status, error, at },
                None => Outcome::Failed { status, error },
            }
        }
    };
    d.metrics.webhook_attempt(match outcome {
        Outcome::Delivered { .. } => "delivered",
        Outcome::Retry { .. } => "retry",
        Outcome::Failed { .. } => "failed",
    });
    tracing::info!(delivery = %c.id, event = %c.event_id, attempt = c.attempts, ?outcome, "webhook attempt");
    if let Err(e) = d.store.delivery_record(c.id, outcome).await {
        // The lease runs out and the delivery is tried again.
        tracing::warn!(error = %e, delivery = %c.id, "could not record a webhook attempt");
    }
}

/// POSTs the delivery; the answer's status, or why there was none.
async fn send(client: &reqwest::Client, d: &Dispatcher, c: &Claimed) -> Result<u16, String> {
    // Checked again: the operator may have narrowed the reach since. A
    // refusal names the reason (which never holds the address).
    let url = d.reach.check_url(&c.url).map_err(|refused| match refused {
        UrlRefused::Address(_) => NOT_ALLOWED.to_owned(),
        UrlRefused::Invalid(why) => why,
    })?;
    let seed =
        hex::decode(&c.secret_seed).map_err(|_| "the endpoint's secret is damaged".to_owned())?;
    let secret = d.pepper.webhook_secret(&seed);
    let msg_id = format!("msg_{}", c.event_id.simple());
    let timestamp = chrono::Utc::now().timestamp();
    let signature = sign(secret.expose(), &msg_id, timestamp, c.payload.as_bytes());
    let res = client
        .post(url.url)
        .header("content-type", "application/json")
        .header("webhook-id", msg_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(c.payload.clone())
        .send()
        .await
        .map_err(describe)?;
    Ok(res.status().as_u16())
}

/// A failed attempt in words, without the URL (it may carry a token).
fn describe(e: reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "failed"
    };
    let mut cause = std::error::Error::source(&e);
    let mut deepest = None;
    while let Some(c) = cause {
        if c.is::<NotAllowed>() {
            return NOT_ALLOWED.to_owned();
        }
        deepest = Some(c.to_string());
        cause = c.source();
    }
    match deepest {
        Some(d) => format!("{kind}: {d}"),
        None => kind.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    #[tokio::test]
    async fn a_name_that_resolves_to_a_refused_address_fails_without_naming_it() {
        let resolver = GuardedResolver(Arc::new(Reach::default()));
        let name = Name::from_str("localhost").unwrap();
        let err = match resolver.resolve(name).await {
            Ok(_) => panic!("localhost resolved for a webhook"),
            Err(e) => e,
        };
        assert!(err.is::<NotAllowed>());
        assert_eq!(err.to_string(), NOT_ALLOWED);
        // Allowed networks are reached.
        let open = GuardedResolver(Arc::new(Reach {
            allow_http: true,
            allow_networks: vec!["127.0.0.0/8".parse().unwrap(), "::1/128".parse().unwrap()],
        }));
        assert!(open
            .resolve(Name::from_str("localhost").unwrap())
            .await
            .is_ok());
    }

    #[tokio::test]
    async fn the_client_records_a_refused_name_as_not_allowed() {
        let client = client(Arc::new(Reach {
            allow_http: true,
            allow_networks: Vec::new(),
        }))
        .unwrap();
        let err = client.post("http://localhost:9/").send().await.unwrap_err();
        assert_eq!(describe(err), NOT_ALLOWED);
    }
}
