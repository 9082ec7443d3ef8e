//! Builds the alerter from settings and runs it until stopped; `main` calls this.

use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;
use tokio::net::TcpListener;

use crate::configuration::Settings;
use crate::fleet_metrics::{self, FleetGauges};
use crate::notify::settings::NotifySettings;
use crate::notify::{self, Dispatcher, NotifyMetrics};
use crate::status_job::{self, StatusSettings};

pub struct Application {
    pool: PgPool,
    listener: TcpListener,
    gauges: FleetGauges,
    dispatcher: Arc<Dispatcher>,
    status: StatusSettings,
    notify: NotifySettings,
    refresh_every: Duration,
}

impl Application {
    /// Connects to PostgreSQL (failing fast when it is unreachable), builds the gauges
    /// and the notification engine, and binds the metrics address. Nothing runs yet;
    /// anything wrong (a bad template or key, an address in use) stops the alerter
    /// here, before any job starts.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let pool = store::postgres::connect(
            &settings.postgres.database_url,
            settings.postgres.database_max_connections,
        )
        .await?;
        let gauges = FleetGauges::new()?;
        let metrics = NotifyMetrics::new(&gauges.registry)?;
        let dispatcher = Arc::new(Dispatcher::new(
            pool.clone(),
            settings.notify.clone(),
            metrics,
        )?);
        let listener = TcpListener::bind(settings.listen_addr).await?;
        Ok(Self {
            refresh_every: settings.refresh_every(),
            pool,
            listener,
            gauges,
            dispatcher,
            status: settings.status,
            notify: settings.notify,
        })
    }

    /// Runs the status job, the notification dispatchers and jobs and the gauges'
    /// refresh, and serves /healthz and /metrics until SIGTERM/Ctrl-C. The background
    /// loops hold no state that stopping could lose: a delivery in flight keeps its
    /// lease and is tried again after it.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        tokio::spawn(status_job::run_forever(self.pool.clone(), self.status));
        self.dispatcher.start();
        notify::jobs::start(self.pool.clone(), self.notify);
        let app = runtime::metrics::router(self.gauges.registry.clone());
        tokio::spawn(fleet_metrics::refresh_forever(
            self.pool,
            self.gauges,
            self.refresh_every,
        ));
        tracing::info!(address = %self.listener.local_addr()?, "alerter listening");
        axum::serve(self.listener, app)
            .with_graceful_shutdown(runtime::shutdown::signal())
            .await?;
        Ok(())
    }
}

/// `alerter migrate`: applies missing PostgreSQL migrations.
pub async fn migrate(settings: &Settings) -> anyhow::Result<()> {
    store::migrate::postgres_command(&settings.postgres.database_url).await
}

/// `alerter check-templates`: loads and checks the notice templates.
pub fn check_templates(settings: &Settings) -> anyhow::Result<()> {
    notify::templates::Templates::load(settings.notify.templates_dir.as_deref())?;
    println!("templates ok");
    Ok(())
}
