//! aggregator's settings: environment variables with documented defaults (see `--help`).

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Parser, Subcommand};
use runtime::settings::{ClickHouseSettings, KafkaSettings, LogSettings, PostgresSettings};

#[derive(Debug, Clone, Parser)]
#[command(
    name = "aggregator",
    about = "Kafka → ClickHouse + PostgreSQL, exactly once in effect"
)]
pub struct Settings {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Address of /healthz and /metrics.
    #[arg(long, env = "AGGREGATOR_LISTEN_ADDR", default_value = "127.0.0.1:9101")]
    pub listen_addr: SocketAddr,
    /// Kafka consumer group; instances sharing it split the partitions.
    #[arg(long, env = "AGGREGATOR_GROUP_ID", default_value = "aggregator")]
    pub group_id: String,
    /// A batch is written when it holds this many records…
    #[arg(long, env = "AGGREGATOR_BATCH_MAX_RECORDS", default_value_t = 5000)]
    pub batch_max_records: usize,
    /// …or when its first record has waited this long.
    #[arg(long, env = "AGGREGATOR_BATCH_MAX_WAIT_MS", default_value_t = 500)]
    pub batch_max_wait_ms: u64,
    /// Longest pause between retries of a failing sink (backoff doubles up to it).
    #[arg(long, env = "AGGREGATOR_MAX_BACKOFF_MS", default_value_t = 30_000)]
    pub max_backoff_ms: u64,
    #[command(flatten)]
    pub kafka: KafkaSettings,
    #[command(flatten)]
    pub clickhouse: ClickHouseSettings,
    #[command(flatten)]
    pub postgres: PostgresSettings,
    #[command(flatten)]
    pub log: LogSettings,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Consume (the default).
    Serve,
    /// Apply missing PostgreSQL and ClickHouse migrations and exit.
    Migrate,
}

impl Settings {
    pub fn batch_max_wait(&self) -> Duration {
        Duration::from_millis(self.batch_max_wait_ms)
    }
    pub fn max_backoff(&self) -> Duration {
        Duration::from_millis(self.max_backoff_ms)
    }
}
