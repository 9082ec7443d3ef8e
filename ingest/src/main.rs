use clap::Parser;
use ingest::configuration::{Command, Settings};
use ingest::startup::Application;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::parse();
    runtime::logging::init(settings.log.log_format);
    match settings.command {
        Some(Command::Migrate) => {
            let pool = store::postgres::connect(&settings.postgres.database_url, 1).await?;
            let n = store::migrate::postgres(&pool).await?;
            tracing::info!(applied = n, "postgres migrations up to date");
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
