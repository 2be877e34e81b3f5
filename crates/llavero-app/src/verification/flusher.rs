//! Runs the usage flush ([`UsageBuffer::run`]) on a thread of its own, with
//! a runtime of its own, beside the runtime that batches the lookups.
//!
//! Between two of its awaits a flush works without yielding: taking the
//! buffer, binding up to 10,000 rows a statement, reading back the
//! addresses it inserted — for ~14,000 keys a second under a cold load. On
//! the lookups' runtime every lookup waited behind each of those stretches;
//! on a thread of its own the kernel shares the cores between the two
//! instead. Interleaved cold runs at 1M keys, the flush on the lookups'
//! runtime against its own thread, p99 (median of 9–12 runs) 26.2 → 20.2
//! ms on PostgreSQL and 31.4 → 23.1 ms on SQLite at the same throughput,
//! and PostgreSQL's RSS after the runs 41 → 31 MB (`docs/profile.md`,
//! "Eighth round").
//!
//! On PostgreSQL the thread opens a connection of its own
//! ([`Store::own_pool`]): a socket is driven by the runtime that opened it,
//! so a pooled connection opened by the flush's runtime and then lent to a
//! lookup would make that lookup wait for the flush (the trial that shared
//! the pool had two cold runs of twelve with a p99 of 66–67 ms). The thread
//! stops with the verifier, after a last flush, or when the runtime that
//! started it is dropped (a test's, say). If no thread can be started, the
//! flush runs on the caller's runtime as before.

use std::sync::Arc;
use std::time::Duration;

use llavero_store::Store;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::usage::UsageBuffer;

/// Starts flushing `usage` to `store` every `interval` until `stop` is
/// cancelled; the handle ends after the last flush.
pub fn start(
    usage: Arc<UsageBuffer>,
    store: Store,
    interval: Duration,
    stop: CancellationToken,
) -> JoinHandle<()> {
    match spawn(usage.clone(), store.clone(), interval, stop.clone()) {
        Ok((_, task)) => task,
        Err(e) => {
            tracing::warn!(error = %e, "no thread for the usage flush: it shares the lookups' runtime");
            tokio::spawn(usage.run(store, interval, stop))
        }
    }
}

/// The thread, and a task on the caller's runtime that ends with it.
fn spawn(
    usage: Arc<UsageBuffer>,
    store: Store,
    interval: Duration,
    stop: CancellationToken,
) -> std::io::Result<(std::thread::JoinHandle<()>, JoinHandle<()>)> {
    let (done_tx, done_rx) = oneshot::channel::<()>();
    let (alive_tx, alive_rx) = oneshot::channel::<()>();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let stop = stop.child_token();
    let thread = std::thread::Builder::new()
        .name("usage-flush".into())
        .spawn(move || {
            runtime.block_on(run(usage, store, interval, stop, alive_rx));
            let _ = done_tx.send(());
        })?;
    let task = tokio::spawn(async move {
        // Held while this task lives: dropped with its runtime, it stops
        // the thread.
        let _alive = alive_tx;
        let _ = done_rx.await;
    });
    Ok((thread, task))
}

/// The thread's work: a connection of its own, then the flushes.
async fn run(
    usage: Arc<UsageBuffer>,
    store: Store,
    interval: Duration,
    stop: CancellationToken,
    alive: oneshot::Receiver<()>,
) {
    let gone = stop.clone();
    tokio::spawn(async move {
        let _ = alive.await;
        gone.cancel();
    });
    let own = loop {
        match store.own_pool(1).await {
            Ok(own) => break own,
            Err(e) => {
                tracing::warn!(error = %e, "could not connect for the usage flush; will retry");
                tokio::select! {
                    () = stop.cancelled() => break None,
                    () = tokio::time::sleep(interval) => {}
                }
            }
        }
    };
    usage
        .run(own.clone().unwrap_or(store), interval, stop)
        .await;
    // Closing waits for the pool's connections, and one being opened to a
    // database that went away may not come back: past the wait, the
    // thread ends and drops them.
    if let Some(own) = own {
        let _ = tokio::time::timeout(CLOSE_WAIT, own.close()).await;
    }
}

/// How long the thread waits for its own connection to close at the end.
const CLOSE_WAIT: Duration = Duration::from_secs(1);

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::verification::tests::store_in;

    /// Waits up to 5 s for `thread` to end.
    fn ends(thread: &std::thread::JoinHandle<()>) -> bool {
        let deadline = Instant::now() + Duration::from_secs(5);
        while !thread.is_finished() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        thread.is_finished()
    }

    #[tokio::test]
    async fn the_flush_runs_on_its_own_thread_until_stopped() {
        let dir = tempfile::tempdir().unwrap();
        let stop = CancellationToken::new();
        let usage = Arc::new(UsageBuffer::default());
        let (thread, task) = spawn(
            usage,
            store_in(&dir).await,
            Duration::from_millis(10),
            stop.clone(),
        )
        .unwrap();
        assert_eq!(thread.thread().name(), Some("usage-flush"));
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!thread.is_finished(), "it flushes until stopped");
        stop.cancel();
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .expect("the task ends with the thread")
            .unwrap();
        assert!(ends(&thread));
    }

    #[test]
    fn the_flush_stops_when_the_runtime_that_started_it_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let store = runtime.block_on(store_in(&dir));
        let stop = CancellationToken::new();
        let usage = Arc::new(UsageBuffer::default());
        let (thread, _task) = {
            let _inside = runtime.enter();
            spawn(usage, store, Duration::from_millis(10), stop.clone()).unwrap()
        };
        std::thread::sleep(Duration::from_millis(50));
        assert!(!thread.is_finished());
        drop(runtime);
        assert!(ends(&thread), "the thread outlived its runtime");
        assert!(!stop.is_cancelled(), "and stopped nothing else");
    }
}
