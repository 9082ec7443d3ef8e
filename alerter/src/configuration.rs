//! alerter's settings: environment variables with documented defaults (see `--help`).

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Parser, Subcommand};
use runtime::settings::{LogSettings, PostgresSettings};

use crate::notify::settings::NotifySettings;
use crate::status_job::StatusSettings;

#[derive(Parser)]
#[command(
    name = "alerter",
    about = "Fleet metrics, status jobs and notifications"
)]
pub struct Settings {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Address of /healthz and /metrics.
    #[arg(long, env = "ALERTER_LISTEN_ADDR", default_value = "127.0.0.1:9102")]
    pub listen_addr: SocketAddr,
    /// Seconds between recomputations of the fleet gauges.
    #[arg(long, env = "ALERTER_REFRESH_SECS", default_value_t = 15)]
    pub refresh_secs: u64,
    #[command(flatten)]
    pub status: StatusSettings,
    #[command(flatten)]
    pub notify: NotifySettings,
    #[command(flatten)]
    pub postgres: PostgresSettings,
    #[command(flatten)]
    pub log: LogSettings,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve metrics (the default).
    Serve,
    /// Apply missing PostgreSQL migrations and exit.
    Migrate,
    /// Load and check the notice templates (NOTIFY_TEMPLATES_DIR overrides), then exit.
    CheckTemplates,
}

impl Settings {
    pub fn refresh_every(&self) -> Duration {
        Duration::from_secs(self.refresh_secs)
    }
}
