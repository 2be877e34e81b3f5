//! The invalidation follower: hears other replicas' changes, and proves
//! every moment that it still can.
//!
//! On PostgreSQL every change that makes cached lookups stale sends a
//! `pg_notify` in its own transaction (delivered at commit). This task
//! listens and drops what those changes made stale. A listening connection
//! can die without an error (a partition drops its packets), and then
//! notifications are missed in silence: so every [`HEARTBEAT`] this replica
//! also sends `hb:<its id>` on the channel, and the cache is trusted only
//! while those come back. When none has been heard for [`DEADLINE`], or the
//! connection reports a loss, the cache is switched off — emptied, and its
//! epoch moved so no lookup in flight writes a stale entry back — and a new
//! connection is made. The cache comes back on, empty, once the new
//! connection hears a heartbeat. SQLite is one process, which invalidates
//! its own cache directly: there is nothing to follow.

use std::sync::Arc;
use std::time::Duration;

use llavero_store::Store;
use tokio::sync::mpsc;
use tokio::time::{interval, timeout, Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::cache::{Invalidation, KeyCache};

/// How often this replica sends a heartbeat.
pub const HEARTBEAT: Duration = Duration::from_millis(500);
/// How long without hearing one before the cache is distrusted.
pub const DEADLINE: Duration = Duration::from_secs(2);
/// How often the deadline is checked.
const CHECK: Duration = Duration::from_millis(250);
/// The pause between failed attempts to listen.
const RETRY: Duration = Duration::from_millis(500);

/// What the listening connection hands the follower.
enum Heard {
    Payload(String),
    Lost(String),
}

/// Follows invalidations until `stop` is cancelled.
pub(super) async fn run(store: Store, cache: Arc<KeyCache>, stop: CancellationToken) {
    if store.backend() != llavero_store::Backend::Postgres {
        return;
    }
    let me = format!("hb:{}", Uuid::new_v4());
    tokio::spawn(send_heartbeats(store.clone(), me.clone(), stop.clone()));
    loop {
        let listener = tokio::select! {
            () = stop.cancelled() => return,
            listener = timeout(DEADLINE, store.invalidation_listener()) => listener,
        };
        let listener = match listener {
            Ok(Ok(Some(listener))) => listener,
            Ok(Ok(None)) => return,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "cannot listen for invalidations; cache off");
                if pause(&stop).await {
                    return;
                }
                continue;
            }
            Err(_) => {
                tracing::warn!("listening for invalidations timed out; cache off");
                continue;
            }
        };
        // The connection is read by a task of its own, so that dropping it
        // (when it went silent) never cancels a read half-way.
        let (tx, mut heard) = mpsc::channel(1024);
        let reader = tokio::spawn(read(listener, tx));
        let why = follow(&me, &cache, &mut heard, &stop).await;
        reader.abort();
        cache.set_enabled(false);
        match why {
            None => return,
            Some(why) => {
                tracing::warn!(%why, "invalidation channel lost; cache off until it is back")
            }
        }
        if pause(&stop).await {
            return;
        }
    }
}

/// Applies what is heard until the channel is lost (`Some(why)`) or the
/// follower is stopped (`None`).
async fn follow(
    me: &str,
    cache: &KeyCache,
    heard: &mut mpsc::Receiver<Heard>,
    stop: &CancellationToken,
) -> Option<String> {
    let connected = Instant::now();
    let mut last_heard: Option<Instant> = None;
    let mut check = interval(CHECK);
    check.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => return None,
            _ = check.tick() => {
                let since = last_heard.unwrap_or(connected);
                if since.elapsed() > DEADLINE {
                    return Some(format!("no heartbeat for {} ms", since.elapsed().as_millis()));
                }
            }
            next = heard.recv() => match next {
                Some(Heard::Payload(payload)) if payload == me => {
                    if last_heard.is_none() {
                        // Proven live: whatever was missed before is not
                        // in the cache (it was emptied when switched off).
                        cache.set_enabled(true);
                        tracing::info!("listening for cache invalidations");
                    }
                    last_heard = Some(Instant::now());
                }
                // Another replica's heartbeat.
                Some(Heard::Payload(payload)) if payload.starts_with("hb:") => {}
                Some(Heard::Payload(payload)) => match Invalidation::parse(&payload) {
                    Some(what) => cache.invalidate(what),
                    None => tracing::warn!(%payload, "unknown invalidation"),
                },
                Some(Heard::Lost(why)) => return Some(why),
                None => return Some("the reader stopped".to_owned()),
            },
        }
    }
}

/// Reads the listening connection until it is lost.
async fn read(mut listener: llavero_store::notify::InvalidationListener, tx: mpsc::Sender<Heard>) {
    loop {
        let heard = match listener.next().await {
            Ok(Some(payload)) => Heard::Payload(payload),
            Ok(None) => Heard::Lost("the connection was closed".to_owned()),
            Err(e) => Heard::Lost(e.to_string()),
        };
        let lost = matches!(heard, Heard::Lost(_));
        if tx.send(heard).await.is_err() || lost {
            return;
        }
    }
}

/// Sends `payload` every [`HEARTBEAT`] until stopped.
async fn send_heartbeats(store: Store, payload: String, stop: CancellationToken) {
    let mut tick = interval(HEARTBEAT);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        // A heartbeat that cannot be sent is simply not heard: the follower
        // notices by itself.
        match timeout(HEARTBEAT, store.heartbeat(&payload)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::debug!(error = %e, "heartbeat not sent"),
            Err(_) => tracing::debug!("heartbeat timed out"),
        }
    }
}

/// Waits [`RETRY`]; `true` when stopped meanwhile.
async fn pause(stop: &CancellationToken) -> bool {
    tokio::select! {
        () = stop.cancelled() => true,
        () = tokio::time::sleep(RETRY) => false,
    }
}
