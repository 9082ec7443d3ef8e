use aggregator::configuration::{Command, Settings};
use aggregator::startup::Application;
use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::parse();
    runtime::logging::init(settings.log.log_format);
    match settings.command {
        Some(Command::Migrate) => aggregator::startup::migrate(&settings).await,
        Some(Command::Retention) => {
            let client = settings.clickhouse_client();
            aggregator::retention::run_once(&client, &settings.retention()).await
        }
        None | Some(Command::Serve) => Application::build(settings)?.run_until_stopped().await,
    }
}
