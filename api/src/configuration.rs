//! The api's settings, from the environment (documented defaults match `dev/stack`).

use std::net::SocketAddr;

use clap::{Parser, Subcommand};
use runtime::settings::{ClickHouseSettings, LogSettings, PostgresSettings};

#[derive(Debug, Clone, Parser)]
#[command(name = "api", about = "Ops REST API and console")]
pub struct Settings {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Address to listen on.
    #[arg(long, env = "API_LISTEN_ADDR", default_value = "127.0.0.1:8081")]
    pub listen_addr: SocketAddr,
    /// Browser origins allowed to call the API cross-origin, comma-separated (the
    /// console is same-origin and needs none). Empty: no cross-origin access.
    #[arg(
        long,
        env = "API_CORS_ORIGINS",
        value_delimiter = ',',
        default_value = ""
    )]
    pub cors_origins: Vec<String>,
    /// Proxies whose X-Forwarded-For is believed for the audit log's source address,
    /// comma-separated IPs. Empty: the peer address is the source.
    #[arg(
        long,
        env = "API_TRUSTED_PROXIES",
        value_delimiter = ',',
        default_value = ""
    )]
    pub trusted_proxies: Vec<String>,
    /// Failed authentications per source address, `rate:burst`; past it the address
    /// gets 429 until its bucket refills.
    #[arg(long, env = "API_AUTH_FAILURES_PER_ADDRESS", default_value = "1:20")]
    pub auth_failures_per_address: runtime::rate_limit::Limit,
    /// Acknowledgements by e-mail link per source address, `rate:burst` (the link is
    /// public); past it 429.
    #[arg(long, env = "API_ACK_LINKS_PER_ADDRESS", default_value = "0.2:10")]
    pub ack_links_per_address: runtime::rate_limit::Limit,
    /// How often the fleet overview is recomputed (it is served from memory).
    #[arg(long, env = "API_STATS_REFRESH_SECS", default_value_t = 5)]
    pub stats_refresh_secs: u64,
    /// A second upgrade notice for the same installation and version within this many
    /// seconds is not sent again.
    #[arg(long, env = "NOTIFICATION_THROTTLE_SECS", default_value_t = 86_400)]
    pub notification_throttle_secs: i64,
    /// Longest lifetime of a toggle Ops may set (kill switches must expire).
    #[arg(long, env = "TOGGLE_MAX_DURATION_HOURS", default_value_t = 24 * 30)]
    pub toggle_max_duration_hours: i64,
    /// Key that seals merchants' webhook secrets and Slack URLs (32 bytes, base64).
    #[arg(long, env = "NOTIFICATION_SECRETS_KEY_FILE")]
    pub secrets_key_file: Option<std::path::PathBuf>,
    /// Development only: accept loopback receivers as webhook and Slack URLs (the
    /// alerter's setting of the same name lets it send to them).
    #[arg(long, env = "NOTIFY_ALLOW_INTERNAL_TARGETS", default_value_t = false)]
    pub allow_internal_targets: bool,
    #[command(flatten)]
    pub tls: runtime::tls::TlsSettings,
    #[command(flatten)]
    pub connections: runtime::serve::ConnectionLimits,
    #[command(flatten)]
    pub postgres: PostgresSettings,
    #[command(flatten)]
    pub clickhouse: ClickHouseSettings,
    #[command(flatten)]
    pub log: LogSettings,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Serve HTTP (the default).
    Serve,
    /// Apply missing PostgreSQL migrations and exit.
    Migrate,
}

impl Settings {
    pub fn trusted_proxies(&self) -> anyhow::Result<runtime::client_address::TrustedProxies> {
        runtime::client_address::TrustedProxies::parse(&self.trusted_proxies, "API_TRUSTED_PROXIES")
    }
}
