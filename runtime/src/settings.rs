//! Connection settings shared by several services, read from the environment (each
//! with a default that matches the native dev stack, `dev/stack`). Documented in the
//! README's configuration table and in every binary's `--help`.

use clap::Args;

use crate::logging::LogFormat;

#[derive(Debug, Clone, Args)]
pub struct LogSettings {
    /// Log output: json (production) or pretty (terminal).
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value = "json")]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Args)]
pub struct PostgresSettings {
    /// PostgreSQL connection URL.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "postgres://telemetry:telemetry@127.0.0.1:5432/plugin_telemetry",
        hide_default_value = true
    )]
    pub database_url: String,
    /// Pool size.
    #[arg(long, env = "DATABASE_MAX_CONNECTIONS", default_value_t = 10)]
    pub database_max_connections: u32,
}

#[derive(Debug, Clone, Args)]
pub struct ClickHouseSettings {
    /// ClickHouse HTTP interface.
    #[arg(long, env = "CLICKHOUSE_URL", default_value = "http://127.0.0.1:8123")]
    pub clickhouse_url: String,
    #[arg(long, env = "CLICKHOUSE_USER", default_value = "default")]
    pub clickhouse_user: String,
    #[arg(
        long,
        env = "CLICKHOUSE_PASSWORD",
        default_value = "",
        hide_env_values = true
    )]
    pub clickhouse_password: String,
}

#[derive(Debug, Clone, Args)]
pub struct KafkaSettings {
    /// Kafka bootstrap servers, comma-separated.
    #[arg(long, env = "KAFKA_BROKERS", default_value = "127.0.0.1:9092")]
    pub kafka_brokers: String,
    #[arg(
        long,
        env = "KAFKA_HEARTBEAT_TOPIC",
        default_value = "plugin.heartbeats.v1"
    )]
    pub heartbeat_topic: String,
    #[arg(long, env = "KAFKA_EVENT_TOPIC", default_value = "plugin.events.v1")]
    pub event_topic: String,
    #[arg(
        long,
        env = "KAFKA_DEADLETTER_TOPIC",
        default_value = "plugin.deadletter.v1"
    )]
    pub deadletter_topic: String,
}
