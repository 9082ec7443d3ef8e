//! Builds the application from settings and binds it; tests and `main` share this.
//! `build` connects the real dependencies; `app` takes them ready-made, so in-process
//! tests run the same router, layers and guards with dependencies of their own.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;
use tokio::net::TcpListener;

use crate::agent_tokens::{AgentTokens, PostgresAgentTokens};
use crate::configuration::Settings;
use crate::overview::OverviewCache;
use crate::routes;
use crate::state::AppState;

/// What the application reads from and writes to.
pub struct Dependencies {
    pub pool: PgPool,
    pub clickhouse: clickhouse::Client,
    pub agent_tokens: Arc<dyn AgentTokens>,
    /// `build` keeps it refreshed in the background; without a refresher the first
    /// overview request computes it.
    pub overview: Arc<OverviewCache>,
}

pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    tls: runtime::tls::TlsSettings,
    connections: runtime::serve::ConnectionLimits,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let pool = store::postgres::connect(
            &settings.postgres.database_url,
            settings.postgres.database_max_connections,
        )
        .await?;
        let clickhouse = store::clickhouse::client(
            &settings.clickhouse.clickhouse_url,
            &settings.clickhouse.clickhouse_user,
            &settings.clickhouse.clickhouse_password,
        );
        let overview = Arc::new(OverviewCache::default());
        tokio::spawn(overview.clone().refresh_forever(
            pool.clone(),
            Duration::from_secs(settings.stats_refresh_secs.max(1)),
        ));
        let dependencies = Dependencies {
            agent_tokens: Arc::new(PostgresAgentTokens::new(pool.clone())),
            pool,
            clickhouse,
            overview,
        };
        let router = app(&settings, dependencies)?;
        settings.tls.check_plain_http(settings.listen_addr)?;
        settings
            .tls
            .check_proxies(&settings.trusted_proxies()?, "API_TRUSTED_PROXIES")?;
        let listener = TcpListener::bind(settings.listen_addr).await?;
        Ok(Self {
            listener,
            router,
            tls: settings.tls.clone(),
            connections: settings.connections.clone(),
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub async fn run(self) -> anyhow::Result<()> {
        runtime::serve::serve(self.listener, &self.tls, &self.connections, self.router).await
    }
}

/// The router with every layer, as `Application::run` serves it (the connection limits
/// of `runtime::serve` aside): the shared state built from `settings` and `dependencies`.
pub fn app(settings: &Settings, dependencies: Dependencies) -> anyhow::Result<axum::Router> {
    let state = Arc::new(AppState {
        pool: dependencies.pool,
        clickhouse: dependencies.clickhouse,
        agent_tokens: dependencies.agent_tokens,
        overview: dependencies.overview,
        trusted_proxies: settings.trusted_proxies()?,
        outbound: policy::outbound::OutboundPolicy {
            allow_internal: settings.allow_internal_targets,
        },
        notification_throttle: chrono::Duration::seconds(settings.notification_throttle_secs),
        toggle_max_duration: chrono::Duration::hours(settings.toggle_max_duration_hours),
        secrets: settings
            .secrets_key_file
            .as_deref()
            .map(store::sealed::SecretBox::from_file)
            .transpose()?,
        auth_failures: Default::default(),
        ack_link_limits: Default::default(),
        ack_link_limit: settings.ack_links_per_address,
        auth_failure_limit: settings.auth_failures_per_address,
    });
    // HSTS whenever browsers reach the console over TLS (here or at the proxy).
    let hsts = settings.tls.enabled() || settings.tls.behind_tls_proxy;
    routes::router(state, &settings.cors_origins, hsts)
}
