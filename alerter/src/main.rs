//! alerter: keeps installation statuses current (status job), publishes fleet gauges
//! computed from PostgreSQL for Prometheus (whose alert rules page on-call through
//! Alertmanager), and runs the notification engine (`notify`).
//!
//! `configuration` holds the settings, `startup` builds and runs the service; this
//! file only parses, starts logging and dispatches on the command.

mod configuration;
mod fleet_metrics;
mod notify;
mod startup;
mod status_job;

use clap::Parser;

use configuration::{Command, Settings};
use startup::Application;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::parse();
    runtime::logging::init(settings.log.log_format);
    match settings.command {
        Some(Command::Migrate) => startup::migrate(&settings).await,
        Some(Command::CheckTemplates) => startup::check_templates(&settings),
        None | Some(Command::Serve) => {
            Application::build(settings)
                .await?
                .run_until_stopped()
                .await
        }
    }
}
