//! Logging: `tracing` to stderr, as text or JSON lines.
//!
//! The level comes from `RUST_LOG` (default `info`). No secret is ever a
//! field of a span or event: handlers and store calls skip them, and the
//! types that hold secrets print `[redacted]`.

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

use crate::configuration::LogFormat;

/// Installs the global subscriber writing to `writer`. Returns `false` when
/// one is already installed (as in tests that share a process).
pub fn init<W>(format: LogFormat, default_level: &str, writer: W) -> bool
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init().is_ok(),
        LogFormat::Text => builder.try_init().is_ok(),
    }
}
