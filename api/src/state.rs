//! What every handler shares, built once by `startup`.

use std::sync::Arc;

use sqlx::PgPool;

use crate::agent_tokens::AgentTokens;
use crate::overview::OverviewCache;

/// What every handler shares.
pub struct AppState {
    pub pool: PgPool,
    pub clickhouse: clickhouse::Client,
    /// Resolves bearer tokens to agents (PostgreSQL in production).
    pub agent_tokens: Arc<dyn AgentTokens>,
    pub overview: Arc<OverviewCache>,
    pub trusted_proxies: runtime::client_address::TrustedProxies,
    /// Where merchants' webhook and Slack URLs may point.
    pub outbound: policy::outbound::OutboundPolicy,
    pub notification_throttle: chrono::Duration,
    pub toggle_max_duration: chrono::Duration,
    /// Seals merchants' webhook secrets and Slack URLs (None: they cannot be stored).
    pub secrets: Option<store::sealed::SecretBox>,
    /// Failed authentications per source address.
    pub auth_failures: runtime::rate_limit::TokenBuckets<std::net::IpAddr>,
    /// Acknowledgements by e-mail link per source address (a public endpoint).
    pub ack_link_limits: runtime::rate_limit::TokenBuckets<std::net::IpAddr>,
    pub ack_link_limit: runtime::rate_limit::Limit,
    pub auth_failure_limit: runtime::rate_limit::Limit,
}
