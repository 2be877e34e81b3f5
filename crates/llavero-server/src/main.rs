//! The `llavero` binary: parses the command line and hands over to [`llavero_server::cli`].

use std::process::ExitCode;

fn main() -> ExitCode {
    keep_freed_memory_small();
    actix_web::rt::System::new().block_on(async {
        match llavero_server::cli::run().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                // `{:#}` prints the cause chain on one line; no secret is ever
                // part of an error message (they travel as `Secret`).
                eprintln!("llavero: error: {e:#}");
                ExitCode::FAILURE
            }
        }
    })
}

/// Gives freed memory back to the system, which glibc's `malloc` is slow to
/// do for a server whose buffers come and go in bursts (a usage flush of
/// thousands of rows a second, a storm of connections):
/// - it raises its mmap threshold to the largest block freed so far (up to
///   32 MiB), so after one big flush every later flush's buffers come from
///   the heap and stay there when freed: the threshold (and the trim
///   threshold) are fixed at 128 KiB, glibc's own starting values;
/// - it returns a heap's free pages only from its top: a thread calls
///   `malloc_trim` every [`TRIM_EVERY`], which returns every arena's whole
///   free pages (a walk of the free lists: well under a millisecond).
///
/// RSS after the cold bench (PostgreSQL, 1M keys) 79 → ~56 MB at the same
/// speed (`docs/profile.md`, "Memory after the cold run").
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn keep_freed_memory_small() {
    const SIZE: libc::c_int = 128 * 1024;
    const TRIM_EVERY: std::time::Duration = std::time::Duration::from_secs(1);
    // SAFETY: `mallopt` only sets the allocator's parameters, under its own
    // lock; it is called before any other thread is started.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, SIZE);
        libc::mallopt(libc::M_TRIM_THRESHOLD, SIZE);
    }
    // If the thread cannot start, memory is only given back more slowly.
    let _ = std::thread::Builder::new()
        .name("malloc-trim".into())
        .spawn(|| loop {
            std::thread::sleep(TRIM_EVERY);
            // SAFETY: `malloc_trim` takes each arena's lock while it walks
            // it; it frees no block and moves none.
            unsafe {
                libc::malloc_trim(0);
            }
        });
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_freed_memory_small() {}
