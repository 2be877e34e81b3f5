//! The periodic sweep: ended sessions, spent throttle counters, usage older
//! than 90 days (hourly) and addresses beyond the 50 most recent of a key
//! (each sweep, of the keys that gained one; hourly, of every key), and —
//! when the operator sets `LLAVERO_REVOKE_UNUSED_AFTER_DAYS` — keys left
//! unused that long; the `key.expiring` (7 days ahead) and `key.expired`
//! webhook events, once per key; webhook events done for 7 days. It runs at start-up and then every
//! `LLAVERO_HOUSEKEEPING_SECS` (300 by default). Any replica may run it: the
//! deletes are idempotent and each unused key is revoked by one replica.

use std::sync::Arc;
use std::time::{Duration, Instant};

use llavero_store::usage::KeysToCheck;
use llavero_store::StoreError;

use crate::App;

/// Days a sent (or failed) webhook event and its deliveries are kept.
pub const OUTBOX_KEPT_DAYS: i64 = 7;

/// How often the usage purge goes over every row, rather than over the
/// keys this replica's flushes gave a new address since the last sweep.
pub const FULL_USAGE_PURGE_EVERY: Duration = Duration::from_secs(3600);

/// Deletes usage past its retention and addresses beyond a key's kept
/// ones: over every row at start-up, hourly, when too many keys grew to be
/// listed, and after a failure; otherwise only the addresses of the keys
/// that gained one (`verification::grown`). `full_at`: when it last went
/// over every row.
async fn purge_usage(app: &App, full_at: &mut Option<Instant>) -> Result<u64, StoreError> {
    // Taken first: a key that grows while the purge runs is checked next time.
    let grown = app.verifier.take_grown();
    let full = full_at.is_none_or(|at| at.elapsed() >= FULL_USAGE_PURGE_EVERY);
    // Until this sweep succeeds, the next one goes over every row.
    let last_full = full_at.take();
    let deleted = if full {
        app.store.usage_purge().await?
    } else {
        match grown {
            None => app.store.usage_purge_crowded(KeysToCheck::All).await?,
            Some(keys) if keys.is_empty() => 0,
            Some(keys) => {
                app.store
                    .usage_purge_crowded(KeysToCheck::These(&keys))
                    .await?
            }
        }
    };
    *full_at = if full {
        Some(Instant::now())
    } else {
        last_full
    };
    Ok(deleted)
}

/// What the sweep needs besides the app.
#[derive(Debug, Clone, Copy)]
pub struct Sweep {
    pub every: Duration,
    pub session_idle: Duration,
    pub revoke_unused_after_days: Option<u32>,
}

/// Sweeps now and then every `sweep.every`, until aborted.
pub async fn run(app: Arc<App>, sweep: Sweep) {
    let idle = chrono::Duration::from_std(sweep.session_idle).unwrap_or(chrono::Duration::hours(1));
    let mut tick = tokio::time::interval(sweep.every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut full_usage_purge_at = None;
    loop {
        tick.tick().await;
        let store = &app.store;
        match store.session_purge_expired(idle).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(sessions = n, "purged ended sessions"),
            Err(e) => tracing::warn!(error = %e, "could not purge ended sessions"),
        }
        if let Err(e) = store.throttle_purge().await {
            tracing::warn!(error = %e, "could not purge throttle counters");
        }
        match purge_usage(&app, &mut full_usage_purge_at).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(rows = n, "purged old key usage"),
            Err(e) => tracing::warn!(error = %e, "could not purge old key usage"),
        }
        match app.notify_expiry().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(keys = n, "sent key expiry events"),
            Err(e) => tracing::warn!(error = %e, "could not send key expiry events"),
        }
        match store
            .outbox_purge(llavero_store::now() - chrono::Duration::days(OUTBOX_KEPT_DAYS))
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(events = n, "purged old webhook events"),
            Err(e) => tracing::warn!(error = %e, "could not purge old webhook events"),
        }
        if let Some(days) = sweep.revoke_unused_after_days {
            match app.revoke_unused_keys(days).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(keys = n, days, "revoked keys left unused"),
                Err(e) => tracing::warn!(error = %e, "could not revoke unused keys"),
            }
        }
    }
}
