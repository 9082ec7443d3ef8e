//! alerter: keeps installation statuses current (status job), publishes fleet gauges
//! computed from PostgreSQL for Prometheus (whose alert rules page on-call through
//! Alertmanager), and runs the notification engine (`notify`).

mod fleet_metrics;
mod notify;
mod status_job;

use std::sync::Arc;

use std::net::SocketAddr;
use std::time::Duration;

use axum::routing::get;
use axum::Router;
use clap::{Parser, Subcommand};
use runtime::settings::{LogSettings, PostgresSettings};

#[derive(Parser)]
#[command(
    name = "alerter",
    about = "Fleet metrics, status jobs and notifications"
)]
struct Settings {
    #[command(subcommand)]
    command: Option<Command>,
    /// Address of /healthz and /metrics.
    #[arg(long, env = "ALERTER_LISTEN_ADDR", default_value = "127.0.0.1:9102")]
    listen_addr: SocketAddr,
    /// Seconds between recomputations of the fleet gauges.
    #[arg(long, env = "ALERTER_REFRESH_SECS", default_value_t = 15)]
    refresh_secs: u64,
    #[command(flatten)]
    status: status_job::StatusSettings,
    #[command(flatten)]
    notify: notify::settings::NotifySettings,
    #[command(flatten)]
    postgres: PostgresSettings,
    #[command(flatten)]
    log: LogSettings,
}

#[derive(Subcommand)]
enum Command {
    /// Serve metrics (the default).
    Serve,
    /// Apply missing PostgreSQL migrations and exit.
    Migrate,
    /// Load and check the notice templates (NOTIFY_TEMPLATES_DIR overrides), then exit.
    CheckTemplates,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::parse();
    runtime::logging::init(settings.log.log_format);
    if let Some(Command::Migrate) = settings.command {
        return store::migrate::postgres_command(&settings.postgres.database_url).await;
    }
    if let Some(Command::CheckTemplates) = settings.command {
        notify::templates::Templates::load(settings.notify.templates_dir.as_deref())?;
        println!("templates ok");
        return Ok(());
    }
    let pool = store::postgres::connect(
        &settings.postgres.database_url,
        settings.postgres.database_max_connections,
    )
    .await?;
    tokio::spawn(status_job::run_forever(
        pool.clone(),
        settings.status.clone(),
    ));
    let gauges = fleet_metrics::FleetGauges::new()?;
    // Built before anything runs: a bad template or key stops the alerter here.
    let metrics = notify::NotifyMetrics::new(&gauges.registry)?;
    let dispatcher = Arc::new(notify::Dispatcher::new(
        pool.clone(),
        settings.notify.clone(),
        metrics,
    )?);
    dispatcher.start();
    notify::jobs::start(pool.clone(), settings.notify.clone());
    tokio::spawn(fleet_metrics::refresh_forever(
        pool,
        gauges.clone(),
        Duration::from_secs(settings.refresh_secs),
    ));
    let app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route(
            "/metrics",
            get(move || {
                let registry = gauges.registry.clone();
                async move { runtime::metrics::render(&registry) }
            }),
        );
    let listener = tokio::net::TcpListener::bind(settings.listen_addr).await?;
    tracing::info!(address = %settings.listen_addr, "alerter listening");
    axum::serve(listener, app)
        .with_graceful_shutdown(runtime::shutdown::signal())
        .await?;
    Ok(())
}
