//! Bounded password work: every argon2id computation of the server (sign-in,
//! password changes, new users) runs here.
//!
//! argon2id is memory-hard on purpose (~19 MiB a run): unbounded, a few
//! hundred parallel sign-ins take gigabytes. At most `concurrency` runs go
//! at once, each on a blocking thread in a [`Workspace`] of its own, which
//! returns its memory to the OS when the run ends (see
//! `llavero_domain::password`); the rest wait up to [`MAX_WAIT`] for a turn
//! and are then refused as [`Busy`], which the API answers 503 `busy` with
//! `Retry-After`.

use std::sync::Arc;
use std::time::Duration;

use llavero_domain::password::Workspace;
use tokio::sync::Semaphore;

/// How long an attempt waits for a turn before it is refused.
pub const MAX_WAIT: Duration = Duration::from_secs(2);

/// Seconds a refused client is told to wait.
pub const BUSY_RETRY_AFTER_SECS: u64 = 1;

/// The default number of runs at once: the cores, at most 4.
pub fn default_concurrency() -> usize {
    std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(4)
}

/// Why password work did not run to its end.
#[derive(Debug, thiserror::Error)]
pub enum Busy {
    /// No turn came within [`MAX_WAIT`].
    #[error("too many password checks at once")]
    NoTurn,
    /// The work panicked (a bug): answered 500, never taking a worker down.
    #[error("password work failed: {0}")]
    Failed(String),
}

/// The password work slots of one process.
#[derive(Debug, Clone)]
pub struct PasswordWork {
    slots: Arc<Semaphore>,
}

impl PasswordWork {
    pub fn new(concurrency: usize) -> Self {
        PasswordWork {
            slots: Arc::new(Semaphore::new(concurrency.max(1))),
        }
    }

    /// Runs `work` in a workspace, on a blocking thread, once a slot is free.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Workspace) -> T + Send + 'static,
    ) -> Result<T, Busy> {
        let slot = tokio::time::timeout(MAX_WAIT, self.slots.clone().acquire_owned())
            .await
            .map_err(|_| Busy::NoTurn)?
            .map_err(|_| Busy::NoTurn)?;
        let done = tokio::task::spawn_blocking(move || {
            let mut space = Workspace::default();
            let out = work(&mut space);
            // Unmapped before the next run may start.
            drop(space);
            drop(slot);
            out
        })
        .await;
        done.map_err(|e| Busy::Failed(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn never_more_than_the_bound_at_once_and_a_waiter_is_refused() {
        let work = PasswordWork::new(2);
        let running = Arc::new(AtomicUsize::new(0));
        let (release, held) = mpsc::channel::<()>();
        let held = Arc::new(std::sync::Mutex::new(held));
        let busy_runs: Vec<_> = (0..2)
            .map(|_| {
                let (work, running, held) = (work.clone(), running.clone(), held.clone());
                tokio::spawn(async move {
                    work.run(move |_| {
                        running.fetch_add(1, Ordering::SeqCst);
                        let _ = held.lock().unwrap().recv();
                    })
                    .await
                })
            })
            .collect();
        while running.load(Ordering::SeqCst) < 2 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        // Both slots are held: a third run waits its turn, then is refused.
        let third = work.run(|_| ()).await;
        assert!(third.is_err(), "a third run got a slot");
        release.send(()).unwrap();
        release.send(()).unwrap();
        for run in busy_runs {
            assert!(run.await.unwrap().is_ok());
        }
        assert!(work.run(|_| ()).await.is_ok(), "slots come back");
    }
}
