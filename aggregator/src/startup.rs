//! Builds the aggregator from settings and runs it until stopped; `main` calls this.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use prometheus::Registry;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{Consumer, StreamConsumer};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::configuration::Settings;
use crate::consume::{self, BatchLimits, Pipeline};
use crate::deadletter::DeadLetters;
use crate::lag;
use crate::metrics::Metrics;
use crate::retention::{self, TableRetention};
use crate::window::Accumulator;

pub struct Application {
    consumer: Arc<StreamConsumer>,
    pipeline: Pipeline,
    limits: BatchLimits,
    stop: watch::Sender<bool>,
    listen_addr: SocketAddr,
    group_id: String,
    retention: Vec<TableRetention>,
    retention_every: Duration,
}

impl Application {
    /// Creates the clients and subscribes. None waits for its server (PostgreSQL and
    /// ClickHouse connect on first use, Kafka in the background), so a store that is
    /// down delays the first commit, not the start.
    pub fn build(settings: Settings) -> anyhow::Result<Self> {
        let metrics = Metrics::new()?;
        let (stop, stopped) = watch::channel(false);
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(settings.postgres.database_max_connections)
            .acquire_timeout(Duration::from_secs(5))
            .connect_lazy(&settings.postgres.database_url)?;
        let consumer: StreamConsumer = ClientConfig::new()
            .set("bootstrap.servers", &settings.kafka.kafka_brokers)
            .set("group.id", &settings.group_id)
            .set("client.id", "aggregator")
            .set("enable.auto.commit", "false")
            .set("auto.offset.reset", "earliest")
            // Range splits each topic's partitions between instances, so heartbeats (the
            // bulk) spread across them; cooperative-sticky was seen giving one instance
            // every heartbeat partition and the other every event partition.
            .set("partition.assignment.strategy", "range")
            .set("session.timeout.ms", "10000")
            .create()?;
        consumer.subscribe(&[&settings.kafka.heartbeat_topic, &settings.kafka.event_topic])?;
        let pipeline = Pipeline {
            topics: settings.topics(),
            windows: Accumulator::new(settings.window_settings()),
            pool,
            clickhouse: settings.clickhouse_client(),
            dead_letters: DeadLetters::new(
                &settings.kafka.kafka_brokers,
                &settings.kafka.deadletter_topic,
            )?,
            metrics,
            max_backoff: settings.max_backoff(),
            stop: stopped,
        };
        Ok(Self {
            consumer: Arc::new(consumer),
            pipeline,
            limits: BatchLimits {
                max_records: settings.batch_max_records,
                max_wait: settings.batch_max_wait(),
            },
            stop,
            listen_addr: settings.listen_addr,
            retention: settings.retention(),
            retention_every: Duration::from_secs(settings.retention_interval_secs),
            group_id: settings.group_id,
        })
    }

    /// Consumes until SIGTERM/Ctrl-C, serving /healthz and /metrics and measuring lag
    /// and applying retention alongside. A batch in flight at the signal is not
    /// committed; the next owner of its partitions replays it.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let stop = self.stop;
        tokio::spawn(async move {
            runtime::shutdown::signal().await;
            let _ = stop.send(true);
        });
        let metrics = self.pipeline.metrics.clone();
        tokio::spawn(serve_metrics(self.listen_addr, metrics.registry.clone()));
        tokio::spawn(lag::report_forever(self.consumer.clone(), metrics.clone()));
        tokio::spawn(retention::run_forever(
            self.pipeline.clickhouse.clone(),
            self.retention,
            self.retention_every,
            metrics,
        ));
        tracing::info!(group = %self.group_id, "aggregator consuming");
        consume::run(&self.consumer, self.pipeline, self.limits).await;
        tracing::info!("aggregator stopped");
        Ok(())
    }
}

/// Serves /healthz and /metrics. A listen address already in use costs the metrics,
/// not the consumption: the error is logged and the records keep flowing.
async fn serve_metrics(addr: SocketAddr, registry: Registry) {
    let serve = async {
        let listener = TcpListener::bind(addr).await?;
        tracing::info!(address = %addr, "aggregator metrics listening");
        axum::serve(listener, runtime::metrics::router(registry)).await?;
        anyhow::Ok(())
    };
    if let Err(e) = serve.await {
        tracing::error!(error = %e, "metrics endpoint failed");
    }
}

/// The `migrate` command: the PostgreSQL and ClickHouse migrations still missing.
pub async fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let pool = store::postgres::connect(&settings.postgres.database_url, 1).await?;
    let pg = store::migrate::postgres(&pool).await?;
    let ch = &settings.clickhouse;
    let chn = store::migrate::clickhouse(
        &ch.clickhouse_url,
        &ch.clickhouse_user,
        &ch.clickhouse_password,
    )
    .await?;
    tracing::info!(postgres = pg, clickhouse = chn, "migrations up to date");
    Ok(())
}
