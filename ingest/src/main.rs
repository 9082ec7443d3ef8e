use clap::Parser;
use ingest::configuration::{Command, Settings};
use ingest::startup::Application;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::parse();
    runtime::logging::init(settings.log.log_format);
    match settings.command {
        Some(Command::Migrate) => {
            store::migrate::postgres_command(&settings.postgres.database_url).await?;
        }
        Some(Command::SigningKey { key_id }) => {
            println!("{}", ingest::signing::generate_line(&key_id))
        }
        None | Some(Command::Serve) => {
            let app = Application::build(settings).await?;
            tracing::info!(address = %app.address(), "ingest listening");
            app.run_until_stopped().await?;
        }
    }
    Ok(())
}
