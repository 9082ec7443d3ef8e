//! ptctl: the operator's command line. Admin tasks that must work before the Ops API
//! exists (migrations, the first merchant and key) and the fleet simulator.

mod migrations;
mod ops;
mod probe;
mod simulate;

use clap::{Parser, Subcommand};
use runtime::settings::{ClickHouseSettings, PostgresSettings};
use uuid::Uuid;

#[derive(Parser)]
#[command(
    name = "ptctl",
    about = "Plugin telemetry admin CLI and fleet simulator"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    postgres: PostgresSettings,
    #[command(flatten)]
    clickhouse: ClickHouseSettings,
}

#[derive(Subcommand)]
enum Command {
    /// Apply missing PostgreSQL and ClickHouse migrations (safe to re-run).
    Migrate,
    /// The migrations' SQL as `migrate` sends it (needs no database).
    #[command(subcommand)]
    Migrations(migrations::Command),
    /// Merchants.
    #[command(subcommand)]
    Merchant(MerchantCommand),
    /// Merchant API keys.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Send realistic heartbeats for a simulated fleet.
    Simulate(simulate::Args),
    /// Send one heartbeat and wait until it is in ClickHouse and PostgreSQL.
    Probe(probe::Args),
    /// The version registry: publish and yank releases.
    #[command(subcommand)]
    Version(ops::VersionCommand),
    /// Ops toggles: set (with a blast-radius dry run) and revoke.
    #[command(subcommand)]
    Toggle(ops::ToggleCommand),
    /// Ops agents (the first admin; the rest through the Ops API).
    #[command(subcommand)]
    Agent(ops::AgentCommand),
}

#[derive(Subcommand)]
enum MerchantCommand {
    /// Create a merchant; prints its id.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: Option<String>,
        #[arg(long, default_value = "en")]
        locale: String,
    },
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Create an API key; the key is printed once and cannot be shown again.
    Create {
        #[arg(long)]
        merchant: Uuid,
        #[arg(long)]
        label: Option<String>,
    },
    /// Revoke an API key by id.
    Revoke {
        #[arg(long)]
        id: Uuid,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // Needs no database, and prints JSON: answer before logging and connecting.
    if let Command::Migrations(cmd) = &cli.command {
        return migrations::run(cmd);
    }
    runtime::logging::init(runtime::logging::LogFormat::Pretty);
    let pool = store::postgres::connect(&cli.postgres.database_url, 4).await?;
    match cli.command {
        Command::Migrate => {
            let pg = store::migrate::postgres(&pool).await?;
            let ch = &cli.clickhouse;
            let chn = store::migrate::clickhouse(
                &ch.clickhouse_url,
                &ch.clickhouse_user,
                &ch.clickhouse_password,
            )
            .await?;
            println!("migrations applied: postgres {pg}, clickhouse {chn}");
        }
        Command::Merchant(MerchantCommand::Create {
            name,
            email,
            locale,
        }) => {
            let id = store::merchants::create(&pool, &name, email.as_deref(), &locale).await?;
            println!("{id}");
        }
        Command::Key(KeyCommand::Create { merchant, label }) => {
            let key = store::api_keys::create(&pool, merchant, label.as_deref()).await?;
            println!(
                "id:     {}\nprefix: {}\nkey:    {}",
                key.id, key.prefix, key.secret
            );
            eprintln!("Store the key now: only its hash is kept.");
        }
        Command::Key(KeyCommand::Revoke { id }) => {
            if !store::api_keys::revoke(&pool, id).await? {
                anyhow::bail!("no active API key with id {id}");
            }
            println!("revoked {id}");
        }
        Command::Migrations(_) => unreachable!("answered before connecting"),
        Command::Simulate(args) => simulate::run(&pool, args).await?,
        Command::Version(cmd) => ops::version(&pool, cmd).await?,
        Command::Toggle(cmd) => ops::toggle(&pool, cmd).await?,
        Command::Agent(cmd) => ops::agent(&pool, cmd).await?,
        Command::Probe(args) => {
            let ch = &cli.clickhouse;
            let client = store::clickhouse::client(
                &ch.clickhouse_url,
                &ch.clickhouse_user,
                &ch.clickhouse_password,
            );
            probe::run(&pool, &client, args).await?
        }
    }
    Ok(())
}
