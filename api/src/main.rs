//! api: the Ops REST API and console (its endpoints arrive with the Ops API work);
//! today it serves health and applies migrations.

use std::net::SocketAddr;

use axum::routing::get;
use axum::Router;
use clap::{Parser, Subcommand};
use runtime::settings::{LogSettings, PostgresSettings};

#[derive(Parser)]
#[command(name = "api", about = "Ops REST API and console")]
struct Settings {
    #[command(subcommand)]
    command: Option<Command>,
    /// Address to listen on.
    #[arg(long, env = "API_LISTEN_ADDR", default_value = "127.0.0.1:8081")]
    listen_addr: SocketAddr,
    #[command(flatten)]
    postgres: PostgresSettings,
    #[command(flatten)]
    log: LogSettings,
}

#[derive(Subcommand)]
enum Command {
    /// Serve HTTP (the default).
    Serve,
    /// Apply missing PostgreSQL migrations and exit.
    Migrate,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::parse();
    runtime::logging::init(settings.log.log_format);
    if let Some(Command::Migrate) = settings.command {
        store::migrate::postgres_command(&settings.postgres.database_url).await?;
        return Ok(());
    }
    let app = Router::new().route("/healthz", get(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind(settings.listen_addr).await?;
    tracing::info!(address = %settings.listen_addr, "api listening");
    axum::serve(listener, app)
        .with_graceful_shutdown(runtime::shutdown::signal())
        .await?;
    Ok(())
}
