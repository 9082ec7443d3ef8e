//! ingest's settings: environment variables with documented defaults (see `--help`).

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Parser, Subcommand};
use runtime::settings::{KafkaSettings, LogSettings, PostgresSettings};

#[derive(Debug, Clone, Parser)]
#[command(name = "ingest", about = "Plugin heartbeat ingest: HTTP in, Kafka out")]
pub struct Settings {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Address to listen on.
    #[arg(long, env = "INGEST_LISTEN_ADDR", default_value = "127.0.0.1:8080")]
    pub listen_addr: SocketAddr,
    /// How long a heartbeat may wait for Kafka's acknowledgement before the plugin gets
    /// 503 + Retry-After. Also librdkafka's message.timeout.ms, so an unacknowledged
    /// record is abandoned at the same moment instead of landing after the 503.
    #[arg(long, env = "INGEST_PRODUCE_TIMEOUT_MS", default_value_t = 5000)]
    pub produce_timeout_ms: u64,
    /// Records librdkafka may hold unacknowledged; beyond it requests get 503 at once
    /// (backpressure instead of unbounded memory).
    #[arg(long, env = "INGEST_PRODUCER_QUEUE_MAX", default_value_t = 100_000)]
    pub producer_queue_max: u32,
    /// How long the producer waits to fill a batch. Each request awaits its own
    /// acknowledgement, so this is added to every heartbeat's latency; under load
    /// batches fill while earlier ones are in flight anyway.
    #[arg(long, env = "INGEST_KAFKA_LINGER_MS", default_value_t = 1)]
    pub kafka_linger_ms: u64,
    /// How long a resolved API key is trusted before asking PostgreSQL again.
    #[arg(long, env = "INGEST_KEY_CACHE_TTL_SECS", default_value_t = 30)]
    pub key_cache_ttl_secs: u64,
    /// Seconds between a plugin's config polls, returned (and signed) in every answer:
    /// the kill switch's latency for PHP plugins (5 min, as LaunchDarkly recommends for
    /// its PHP SDK; shorten it during an incident).
    #[arg(long, env = "INGEST_CONFIG_POLL_INTERVAL_SECS", default_value_t = 300)]
    pub config_poll_interval_secs: u64,
    /// Seconds until the plugin's next heartbeat, returned in every response.
    #[arg(long, env = "INGEST_HEARTBEAT_INTERVAL_SECS", default_value_t = 3600)]
    pub heartbeat_interval_secs: u64,
    /// Ed25519 keys that sign toggles: `key_id base64_seed` per line, the first signs
    /// (generate one with `ingest signing-key --key-id k1`). Unset: an ephemeral key.
    #[arg(long, env = "INGEST_SIGNING_KEYS_FILE")]
    pub signing_keys_file: Option<std::path::PathBuf>,
    /// How long a signed toggles payload stays valid (plugins ignore older ones).
    #[arg(long, env = "INGEST_SIGNED_TOGGLES_TTL_SECS", default_value_t = 7200)]
    pub signed_toggles_ttl_secs: i64,
    /// Retry-After sent with 503 responses.
    #[arg(long, env = "INGEST_RETRY_AFTER_SECS", default_value_t = 5)]
    pub retry_after_secs: u64,
    /// Address of /healthz, /readyz and /metrics for Prometheus and the orchestrator,
    /// kept off the internet-facing listener (plain HTTP: nothing secret is served).
    #[arg(long, env = "INGEST_INTERNAL_ADDR", default_value = "127.0.0.1:9100")]
    pub internal_addr: SocketAddr,
    #[command(flatten)]
    pub tls: runtime::tls::TlsSettings,
    #[command(flatten)]
    pub connections: runtime::serve::ConnectionLimits,
    /// Requests per second and burst per source address, `rate:burst` (shops on
    /// shared hosting share an address: keep it well above one key's limit).
    #[arg(
        long,
        env = "INGEST_RATE_LIMIT_PER_ADDRESS",
        default_value = "200:2000"
    )]
    pub rate_limit_per_address: crate::rate_limit::Limit,
    /// Per API key, by the merchant's tier: `tier=rate:burst,…` (`standard` required,
    /// used for unknown tiers).
    #[arg(
        long,
        env = "INGEST_RATE_LIMIT_TIERS",
        default_value = "standard=50:500,enterprise=500:5000"
    )]
    pub rate_limit_tiers: String,
    /// New installations one merchant may register per hour (per ingest instance);
    /// past it heartbeats of further new installations get 429
    /// `installation_quota_exceeded`. 0: no quota.
    #[arg(
        long,
        env = "INGEST_NEW_INSTALLATIONS_PER_HOUR",
        default_value_t = 1000
    )]
    pub new_installations_per_hour: u32,
    /// Failed authentications (keys looked up and not valid) per client address,
    /// `rate:burst`; past it the address gets 429 before any lookup.
    #[arg(long, env = "INGEST_AUTH_FAILURES_PER_ADDRESS", default_value = "1:30")]
    pub auth_failures_per_address: crate::rate_limit::Limit,
    /// Proxies (comma-separated IPs) whose X-Forwarded-For names the client for rate
    /// limits; required with BEHIND_TLS_PROXY.
    #[arg(
        long,
        env = "INGEST_TRUSTED_PROXIES",
        value_delimiter = ',',
        default_value = ""
    )]
    pub trusted_proxies: Vec<String>,
    #[command(flatten)]
    pub kafka: KafkaSettings,
    #[command(flatten)]
    pub postgres: PostgresSettings,
    #[command(flatten)]
    pub log: LogSettings,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Serve HTTP (the default).
    Serve,
    /// Apply missing PostgreSQL migrations and exit.
    Migrate,
    /// Print a new signing key line (`key_id base64_seed`) for INGEST_SIGNING_KEYS_FILE.
    SigningKey {
        #[arg(long, default_value = "k1")]
        key_id: String,
    },
}

impl Settings {
    pub fn produce_timeout(&self) -> Duration {
        Duration::from_millis(self.produce_timeout_ms)
    }
}
