//! Builds the application from settings and binds it; tests and `main` share this.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::auth::Authenticator;
use crate::configuration::Settings;
use crate::metrics::Metrics;
use crate::notices::NoticeCache;
use crate::plugin_config::PluginConfigCache;
use crate::routes;
use crate::signing::ToggleSigner;
use crate::sink::kafka::KafkaSink;
use crate::state::AppState;

pub struct Application {
    listener: TcpListener,
    internal: TcpListener,
    state: Arc<AppState>,
    tls: runtime::tls::TlsSettings,
    connections: runtime::serve::ConnectionLimits,
}

impl Application {
    /// Builds from settings: PostgreSQL, Kafka and the signing keys they name.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let metrics = Metrics::new()?;
        let pool = store::postgres::connect(
            &settings.postgres.database_url,
            settings.postgres.database_max_connections,
        )
        .await?;
        let sink = KafkaSink::new(
            &settings.kafka.kafka_brokers,
            schemas::topic::Topics {
                heartbeats: settings.kafka.heartbeat_topic.clone(),
                events: settings.kafka.event_topic.clone(),
            },
            settings.produce_timeout(),
            settings.producer_queue_max,
            settings.kafka_linger_ms,
            metrics.clone(),
        )?;
        let plugin_config = PluginConfigCache::start(pool.clone()).await;
        let notices = NoticeCache::start(pool.clone()).await;
        let signer = ToggleSigner::from_file(settings.signing_keys_file.as_deref())?;
        let trusted_proxies = runtime::client_address::TrustedProxies::parse(
            &settings.trusted_proxies,
            "INGEST_TRUSTED_PROXIES",
        )?;
        settings
            .tls
            .check_proxies(&trusted_proxies, "INGEST_TRUSTED_PROXIES")?;
        let state = Arc::new(AppState {
            plugin_config,
            notices,
            signer,
            signed_toggles_ttl_secs: settings.signed_toggles_ttl_secs,
            auth: Authenticator::start(
                pool.clone(),
                Duration::from_secs(settings.key_cache_ttl_secs),
                settings.retry_after_secs,
                settings.auth_failures_per_address,
            ),
            trusted_proxies: trusted_proxies.clone(),
            installation_quota: crate::installation_quota::InstallationQuota::new(
                pool.clone(),
                settings.new_installations_per_hour,
            ),
            rate_limiter: crate::rate_limit::RateLimiter::new(
                settings.rate_limit_per_address,
                crate::rate_limit::parse_tiers(&settings.rate_limit_tiers)
                    .map_err(|e| anyhow::anyhow!("INGEST_RATE_LIMIT_TIERS: {e}"))?,
            ),
            sink: Arc::new(sink),
            metrics,
            heartbeat_interval_secs: settings.heartbeat_interval_secs,
            config_poll_interval_secs: settings.config_poll_interval_secs,
            retry_after_secs: settings.retry_after_secs,
        });
        Self::bind(&settings, state).await
    }

    /// Binds the listeners of `settings` for a state built elsewhere (tests build one
    /// with in-memory parts).
    pub async fn bind(settings: &Settings, state: Arc<AppState>) -> anyhow::Result<Self> {
        settings.tls.check_plain_http(settings.listen_addr)?;
        let listener = TcpListener::bind(settings.listen_addr).await?;
        let internal = TcpListener::bind(settings.internal_addr)
            .await
            .map_err(|e| anyhow::anyhow!("INGEST_INTERNAL_ADDR {}: {e}", settings.internal_addr))?;
        Ok(Self {
            listener,
            internal,
            state,
            tls: settings.tls.clone(),
            connections: settings.connections.clone(),
        })
    }

    /// Where /readyz and /metrics are served.
    pub fn internal_address(&self) -> SocketAddr {
        self.internal
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    pub fn address(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    /// Serves until SIGTERM/Ctrl-C, letting in-flight requests finish their Kafka
    /// round trip before exiting.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let state = self.state.clone();
        let internal = axum::serve(self.internal, routes::internal_router(state.clone()))
            .with_graceful_shutdown(runtime::shutdown::signal());
        tokio::spawn(async move {
            if let Err(e) = internal.await {
                tracing::error!(error = %e, "internal listener stopped");
            }
        });
        // The peer address (ConnectInfo<Peer>) feeds the per-address rate limit.
        runtime::serve::serve(
            self.listener,
            &self.tls,
            &self.connections,
            routes::router(self.state),
        )
        .await?;
        state.sink.flush(Duration::from_secs(5));
        Ok(())
    }
}
