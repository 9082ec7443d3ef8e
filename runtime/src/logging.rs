//! Structured logs via `tracing`: JSON lines in production (the default), readable
//! text for a developer's terminal. Level filter from `RUST_LOG` (default `info`).
//!
//! Never log API keys, tokens, e-mail addresses, phone numbers or request bodies:
//! log ids (merchant, installation, key id) instead.

use tracing_subscriber::{fmt, EnvFilter};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Json,
    Pretty,
}

pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = fmt().with_env_filter(filter).with_target(true);
    // try_init: tests may initialise more than once in one process.
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Pretty => builder.compact().try_init(),
    };
}
