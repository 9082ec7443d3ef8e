//! What every handler shares: built by `startup` from settings in production, and
//! from in-memory parts by the in-process tests.

use std::sync::Arc;

use crate::auth::Authenticator;
use crate::installation_quota::InstallationQuota;
use crate::metrics::Metrics;
use crate::notices::NoticeCache;
use crate::plugin_config::PluginConfigCache;
use crate::rate_limit::RateLimiter;
use crate::signing::ToggleSigner;
use crate::sink::Sink;

pub struct AppState {
    pub auth: Arc<Authenticator>,
    pub rate_limiter: RateLimiter,
    pub trusted_proxies: runtime::client_address::TrustedProxies,
    pub installation_quota: InstallationQuota,
    pub plugin_config: Arc<PluginConfigCache>,
    pub notices: Arc<NoticeCache>,
    pub signer: ToggleSigner,
    pub signed_toggles_ttl_secs: i64,
    pub sink: Arc<dyn Sink>,
    pub metrics: Metrics,
    pub heartbeat_interval_secs: u64,
    pub config_poll_interval_secs: u64,
    pub retry_after_secs: u64,
}
