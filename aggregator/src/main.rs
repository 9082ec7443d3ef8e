use aggregator::configuration::{Command, Settings};
use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::parse();
    runtime::logging::init(settings.log.log_format);
    match settings.command {
        Some(Command::Migrate) => {
            let pool = store::postgres::connect(&settings.postgres.database_url, 1).await?;
            let pg = store::migrate::postgres(&pool).await?;
            let ch = &settings.clickhouse;
            let chn = store::migrate::clickhouse(
                &ch.clickhouse_url,
                &ch.clickhouse_user,
                &ch.clickhouse_password,
            )
            .await?;
            tracing::info!(postgres = pg, clickhouse = chn, "migrations up to date");
        }
        Some(Command::Retention) => {
            let ch = &settings.clickhouse;
            let client = store::clickhouse::client(
                &ch.clickhouse_url,
                &ch.clickhouse_user,
                &ch.clickhouse_password,
            );
            let today = chrono::Utc::now().date_naive();
            let n = aggregator::retention::apply(&client, &settings.retention(), today).await?;
            tracing::info!(dropped = n, "retention pass done");
        }
        None | Some(Command::Serve) => aggregator::consume::run(settings).await?,
    }
    Ok(())
}
