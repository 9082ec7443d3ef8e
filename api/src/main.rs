//! api: the Ops REST API (roles, audit, OpenAPI) and the Ops console.

use api::configuration::{Command, Settings};
use api::startup::Application;
use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::parse();
    runtime::logging::init(settings.log.log_format);
    if let Some(Command::Migrate) = settings.command {
        store::migrate::postgres_command(&settings.postgres.database_url).await?;
        return Ok(());
    }
    let app = Application::build(settings).await?;
    tracing::info!(address = %app.local_addr()?, "api listening");
    app.run().await?;
    Ok(())
}
