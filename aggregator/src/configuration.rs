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
    /// Windows count a record at its own time, but never earlier than this before ingest
    /// received it (older ones count at received − this, in
    /// aggregator_late_records_total), so a window settles this long after it closes.
    /// Two hours cover error events a plugin queues until its hourly heartbeat.
    #[arg(long, env = "AGGREGATOR_ALLOWED_LATENESS_SECS", default_value_t = 7200)]
    pub allowed_lateness_secs: i64,
    /// Heartbeats a healthy installation sends per day (daily_health.expected_heartbeats).
    #[arg(
        long,
        env = "AGGREGATOR_EXPECTED_HEARTBEATS_PER_DAY",
        default_value_t = 24
    )]
    pub expected_heartbeats_per_day: u32,
    /// Days raw heartbeats and events are kept (0: forever).
    #[arg(long, env = "AGGREGATOR_RETENTION_RAW_DAYS", default_value_t = 30)]
    pub retention_raw_days: u32,
    #[arg(long, env = "AGGREGATOR_RETENTION_1M_DAYS", default_value_t = 7)]
    pub retention_1m_days: u32,
    #[arg(long, env = "AGGREGATOR_RETENTION_5M_DAYS", default_value_t = 30)]
    pub retention_5m_days: u32,
    #[arg(long, env = "AGGREGATOR_RETENTION_1H_DAYS", default_value_t = 400)]
    pub retention_1h_days: u32,
    #[arg(long, env = "AGGREGATOR_RETENTION_DAILY_DAYS", default_value_t = 0)]
    pub retention_daily_days: u32,
    /// Seconds between retention passes.
    #[arg(
        long,
        env = "AGGREGATOR_RETENTION_INTERVAL_SECS",
        default_value_t = 3600
    )]
    pub retention_interval_secs: u64,
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
    /// Run one retention pass (drop expired partitions) and exit.
    Retention,
}

impl Settings {
    pub fn topics(&self) -> crate::record::Topics {
        crate::record::Topics {
            heartbeats: self.kafka.heartbeat_topic.clone(),
            events: self.kafka.event_topic.clone(),
        }
    }

    pub fn clickhouse_client(&self) -> clickhouse::Client {
        let ch = &self.clickhouse;
        store::clickhouse::client(
            &ch.clickhouse_url,
            &ch.clickhouse_user,
            &ch.clickhouse_password,
        )
    }

    pub fn window_settings(&self) -> crate::window::WindowSettings {
        crate::window::WindowSettings {
            lateness: chrono::Duration::seconds(self.allowed_lateness_secs),
            expected_heartbeats_per_day: self.expected_heartbeats_per_day,
        }
    }

    /// Retention of every partitioned ClickHouse table. The windows and daily health
    /// that users read are views over `*_parts` tables, so the parts tables are what
    /// retention drops (a view has no partitions).
    pub fn retention(&self) -> Vec<crate::retention::TableRetention> {
        use crate::retention::TableRetention as R;
        [
            ("heartbeats", self.retention_raw_days),
            ("events", self.retention_raw_days),
            ("error_rate_1m_parts", self.retention_1m_days),
            ("error_codes_1m_parts", self.retention_1m_days),
            ("error_rate_5m_parts", self.retention_5m_days),
            ("error_rate_1h_parts", self.retention_1h_days),
            ("daily_health_parts", self.retention_daily_days),
        ]
        .into_iter()
        .map(|(table, days)| R { table, days })
        .collect()
    }

    pub fn batch_max_wait(&self) -> Duration {
        Duration::from_millis(self.batch_max_wait_ms)
    }
    pub fn max_backoff(&self) -> Duration {
        Duration::from_millis(self.max_backoff_ms)
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    /// Names of the tables a ClickHouse migration creates with partitions.
    fn partitioned_tables() -> Vec<String> {
        let mut tables = Vec::new();
        for m in store::migrate::CLICKHOUSE {
            for statement in store::migrate::statements(m.sql) {
                let Some(rest) = statement.split("CREATE TABLE IF NOT EXISTS ").nth(1) else {
                    continue;
                };
                if statement.contains("PARTITION BY") {
                    let name = rest.split_whitespace().next().unwrap_or_default();
                    let name = name.trim_start_matches("plugin_telemetry.");
                    tables.push(name.to_owned());
                }
            }
        }
        tables
    }

    /// Defect (issue 16.12): the list named the window views, which have no partitions,
    /// so the parts tables under them were never dropped and grew until the disk filled.
    #[test]
    fn retention_covers_every_partitioned_table_and_names_no_view() {
        let settings = super::Settings::parse_from(["aggregator"]);
        let mut listed: Vec<String> = settings
            .retention()
            .iter()
            .map(|t| t.table.to_owned())
            .collect();
        let mut tables = partitioned_tables();
        listed.sort();
        tables.sort();
        assert!(tables.len() >= 7, "migrations not read: {tables:?}");
        assert_eq!(listed, tables);
    }
}
