//! The invalidation follower: hears other replicas' changes.
//!
//! On PostgreSQL every change that makes cached lookups stale sends a
//! `pg_notify` in its own transaction (delivered at commit). This task
//! listens and drops what those changes made stale. While the listening
//! connection is down, notifications may be missed: the cache is switched
//! off (and emptied) until the connection is back. SQLite is one process,
//! which invalidates its own cache directly: there is nothing to follow.

use std::sync::Arc;
use std::time::Duration;

use llavero_store::Store;
use tokio_util::sync::CancellationToken;

use super::cache::{Invalidation, KeyCache};

/// Follows invalidations until `stop` is cancelled.
pub(super) async fn run(store: Store, cache: Arc<KeyCache>, stop: CancellationToken) {
    loop {
        let listener = tokio::select! {
            () = stop.cancelled() => return,
            listener = store.invalidation_listener() => listener,
        };
        match listener {
            Ok(None) => return,
            Ok(Some(mut listener)) => {
                cache.set_enabled(true);
                tracing::info!("listening for cache invalidations");
                loop {
                    let next = tokio::select! {
                        () = stop.cancelled() => return,
                        next = listener.recv() => next,
                    };
                    match next {
                        Ok(payload) => match Invalidation::parse(&payload) {
                            Some(what) => cache.invalidate(what),
                            None => tracing::warn!(%payload, "unknown invalidation"),
                        },
                        Err(e) => {
                            tracing::warn!(error = %e, "lost the invalidation channel; cache off until it is back");
                            break;
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot listen for invalidations; cache off"),
        }
        cache.set_enabled(false);
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
}
