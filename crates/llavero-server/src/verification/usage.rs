//! Coalesced last-use recording: no database write per verification.
//!
//! Each successful key use overwrites its key's slot in memory; a background
//! task writes the slots in one transaction every flush interval (1 s by
//! default, so the list shows a use within about a second), and once more when
//! the verifier stops (graceful shutdown). A key used a thousand times in a second costs one UPDATE.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use llavero_store::Store;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// A key's latest use: when, and from which address.
type LastUse = (DateTime<Utc>, Option<String>);

/// Pending last uses by key id.
#[derive(Debug, Default)]
pub struct UsageBuffer {
    pending: Mutex<HashMap<Uuid, LastUse>>,
}

impl UsageBuffer {
    /// Notes that key `id` was used at `at` from `ip`.
    pub fn record(&self, id: Uuid, at: DateTime<Utc>, ip: Option<&str>) {
        if let Ok(mut map) = self.pending.lock() {
            let slot = map.entry(id).or_insert((at, None));
            if at >= slot.0 {
                *slot = (at, ip.map(str::to_owned));
            }
        }
    }

    /// Writes everything pending; on failure puts it back for the next try.
    pub async fn flush(&self, store: &Store) {
        let batch: Vec<_> = match self.pending.lock() {
            Ok(mut map) => map.drain().map(|(id, (at, ip))| (id, at, ip)).collect(),
            Err(_) => return,
        };
        if batch.is_empty() {
            return;
        }
        if let Err(e) = store.api_key_record_uses(&batch).await {
            tracing::warn!(error = %e, count = batch.len(), "could not record key uses; will retry");
            for (id, at, ip) in batch {
                self.record(id, at, ip.as_deref());
            }
        }
    }

    /// Flushes every `interval` until `stop` is cancelled, then once more.
    pub async fn run(
        self: std::sync::Arc<Self>,
        store: Store,
        interval: Duration,
        stop: CancellationToken,
    ) {
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = stop.cancelled() => break,
                _ = tick.tick() => self.flush(&store).await,
            }
        }
        self.flush(&store).await;
    }
}
