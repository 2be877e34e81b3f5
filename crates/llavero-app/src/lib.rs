//! Llavero's application: everything it does, with no HTTP in sight.
//!
//! [`App`] is built once at start ([`App::build`]) and shared by every
//! request (`Arc<App>`). Its methods are the use cases — one module of
//! `impl App` per subject in [`usecases`], as omicron's `nexus` does — and
//! its fields the parts they share: the [`Store`], the key [`Verifier`]
//! and its cache, the password work, the throttles' settings, the metrics,
//! where webhooks may go, the identity provider. [`App::spawn_background`]
//! starts the webhook [`dispatch`]er and the [`housekeeping`] sweep.
//! [`wire`] turns the store's records into the API's wire types.
//!
//! Nothing here knows a status code, a header or a cookie: methods return
//! typed errors (the use cases' enums, `StoreError`) that the server maps
//! to HTTP answers, and take plain values the server parsed. So the same
//! application serves the HTTP API, the command line and the tests; `cargo
//! tree -p llavero-app` shows no actix (a test in the server checks it).

pub mod bootstrap;
pub mod configuration;
pub mod dispatch;
pub mod github_keys;
pub mod housekeeping;
pub mod metrics;
pub mod oidc;
pub mod passwords;
pub mod throttle;
pub mod usecases;
pub mod verification;
pub mod wire;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use llavero_domain::webhook::Reach;
use llavero_domain::{KeyPrefix, Pepper};
use llavero_store::Store;

use crate::configuration::{KeyPolicy, Settings};
use crate::dispatch::Dispatcher;
use crate::github_keys::GithubKeys;
use crate::housekeeping::Sweep;
use crate::metrics::Metrics;
use crate::oidc::Oidc;
use crate::passwords::PasswordWork;
use crate::verification::{Verifier, VerifierSettings};

/// Most key lookups the verification cache holds. moka's entries cost
/// ~890 bytes each with the lookup (measured: at 32,768 entries the SQLite
/// server's RSS after the cold run at 100k keys was 68.4 MB, over the 64 MB
/// target), so 16,384 entries keep the cache near 15 MB however many keys
/// exist. That is every key used within a TTL at ~1,600 distinct keys a
/// second; beyond that, TinyLFU keeps the most used and misses are batched
/// (see `verification::lookup`).
const CACHE_CAPACITY: usize = 16_384;

/// How many times to try reaching the database at start-up, a second apart.
const CONNECT_ATTEMPTS: u32 = 30;

/// How long sessions live (the cookie that carries them is the server's).
#[derive(Debug, Clone, Copy)]
pub struct SessionLifetimes {
    /// The longest a session lives, however busy.
    pub absolute: Duration,
    /// A session unused this long has ended.
    pub idle: Duration,
}

/// The application: what every request, command and background task shares.
#[derive(Debug)]
pub struct App {
    /// Every read and write of the database goes through it.
    pub store: Store,
    /// The secret keys, session tokens and webhook secrets are hashed
    /// or sealed with; identical on every replica.
    pub pepper: Pepper,
    /// What every key starts with (`mco`).
    pub key_prefix: KeyPrefix,
    /// argon2id runs, bounded (a sign-in storm cannot exhaust memory).
    pub passwords: PasswordWork,
    pub sessions: SessionLifetimes,
    /// Keys one user may create per minute (0: no limit).
    pub key_create_per_minute: u32,
    /// The scope catalogue and key lifetimes.
    pub key_policy: KeyPolicy,
    /// Counters `/metrics` shows; shared with the dispatcher.
    pub metrics: Arc<Metrics>,
    /// Answers key checks: cache, batched lookups, usage buffering.
    pub verifier: Arc<Verifier>,
    /// Where webhooks may be sent.
    pub webhook_reach: Arc<Reach>,
    /// GitHub's secret-scanning keys; `None`: that intake is off.
    pub github_keys: Option<GithubKeys>,
    /// The identity provider users may sign in through.
    pub oidc: Option<Oidc>,
    /// Whether local accounts may sign in with a password.
    pub local_login: bool,
}

/// The background tasks of one process, stopped by [`Background::stop`].
pub struct Background {
    dispatcher: tokio::task::JoinHandle<()>,
    housekeeping: tokio::task::JoinHandle<()>,
}

impl Background {
    /// Stops the tasks. Attempts cut short keep their lease; it runs out
    /// and the delivery is sent again (at least once, same webhook-id).
    pub fn stop(self) {
        self.housekeeping.abort();
        self.dispatcher.abort();
    }
}

/// Connects to the database named in `settings` and applies migrations.
pub async fn connect_and_migrate(settings: &Settings) -> anyhow::Result<Store> {
    if let Some(path) = settings.sqlite_path() {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating the data directory {}", dir.display()))?;
        }
    }
    // A database that starts with us (compose, orchestrators) may need a
    // moment: retry for about half a minute before giving up.
    let mut attempt = 1;
    let store = loop {
        match Store::connect(settings.database_url.expose(), settings.db_max_connections).await {
            Ok(store) => break store,
            Err(e) if attempt < CONNECT_ATTEMPTS => {
                tracing::warn!(attempt, error = %e, "the database is not reachable yet; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                attempt += 1;
            }
            Err(e) => return Err(e).context("connecting to the database (LLAVERO_DATABASE_URL)"),
        }
    };
    store
        .migrate()
        .await
        .context("applying database migrations")?;
    Ok(store)
}

impl App {
    /// Everything that can fail before serving: resolves the pepper,
    /// connects and migrates the database, checks the pepper is the one
    /// the keys were made with, creates the first admin, starts the
    /// verifier. `public_url`: where browsers reach this service (the
    /// identity provider sends them back there).
    pub async fn build(settings: &Settings, public_url: &str) -> anyhow::Result<App> {
        let pepper = bootstrap::resolve_pepper(settings)?;
        let store = connect_and_migrate(settings).await?;
        bootstrap::check_pepper(&store, &pepper).await?;
        bootstrap::bootstrap_admin(&store, settings).await?;
        let verifier = Arc::new(Verifier::start(
            store.clone(),
            pepper.clone(),
            settings.key_prefix.clone(),
            VerifierSettings {
                cache_ttl: settings.cache_ttl,
                cache_capacity: CACHE_CAPACITY,
                lookups_in_flight: settings.db_lookups_in_flight as usize,
                usage_flush: settings.usage_flush,
                failures_per_minute: settings.key_failures_per_minute,
            },
        ));
        Ok(App {
            store,
            pepper,
            key_prefix: settings.key_prefix.clone(),
            passwords: PasswordWork::new(settings.hash_concurrency),
            sessions: SessionLifetimes {
                absolute: settings.session_ttl,
                idle: settings.session_idle,
            },
            key_create_per_minute: settings.key_create_per_minute,
            key_policy: settings.key_policy.clone(),
            metrics: Arc::new(Metrics::default()),
            verifier,
            webhook_reach: Arc::new(settings.webhook_reach.clone()),
            github_keys: settings
                .github_scanning_keys
                .clone()
                .map(GithubKeys::new)
                .transpose()?,
            oidc: settings
                .oidc
                .clone()
                .map(|o| Oidc::new(o, public_url))
                .transpose()
                .context("the identity provider settings (LLAVERO_OIDC_*)")?,
            local_login: settings.local_login,
        })
    }

    /// Starts the webhook dispatcher (when `LLAVERO_WEBHOOK_SENDER` is on)
    /// and the housekeeping sweep.
    pub fn spawn_background(self: &Arc<Self>, settings: &Settings) -> Background {
        let dispatcher = Dispatcher {
            store: self.store.clone(),
            pepper: self.pepper.clone(),
            reach: self.webhook_reach.clone(),
            metrics: self.metrics.clone(),
        };
        let sender = settings.webhook_sender;
        let dispatcher = tokio::spawn(async move {
            if sender {
                dispatcher.run().await;
            }
        });
        let housekeeping = tokio::spawn(housekeeping::run(
            self.clone(),
            Sweep {
                every: settings.housekeeping,
                session_idle: self.sessions.idle,
                revoke_unused_after_days: settings.revoke_unused_after_days,
            },
        ));
        Background {
            dispatcher,
            housekeeping,
        }
    }
}
