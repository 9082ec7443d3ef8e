//! The seed's fleet gauges, recomputed from PostgreSQL on a schedule. One series per
//! CMS at most, never one per installation.

use std::time::Duration;

use prometheus::{Gauge, IntGaugeVec, Opts, Registry};
use sqlx::PgPool;

#[derive(Clone)]
pub struct FleetGauges {
    pub registry: Registry,
    installations: IntGaugeVec,
    outdated_percentage: Gauge,
    error_rate_avg: Gauge,
    high_error_installations: prometheus::IntGauge,
}

impl FleetGauges {
    pub fn new() -> prometheus::Result<Self> {
        let registry = Registry::new();
        // The seed's `plugin_installations_total` is recorded from this by a Prometheus
        // rule: a gauge must not end in _total (promtool check metrics).
        let installations = IntGaugeVec::new(
            Opts::new(
                "plugin_installations",
                "Installations known, not uninstalled, by CMS.",
            ),
            &["cms"],
        )?;
        let outdated_percentage = Gauge::new(
            "plugin_outdated_percentage",
            "Share of installations (not uninstalled) whose status is outdated, in percent.",
        )?;
        let error_rate_avg = Gauge::new(
            "plugin_error_rate_avg",
            "Average error rate of installations (not uninstalled), in percent of requests.",
        )?;
        let high_error_installations = prometheus::IntGauge::new(
            "plugin_high_error_installations",
            "Installations (not uninstalled) whose last hourly error rate is above 5 percent.",
        )?;
        registry.register(Box::new(high_error_installations.clone()))?;
        registry.register(Box::new(installations.clone()))?;
        registry.register(Box::new(outdated_percentage.clone()))?;
        registry.register(Box::new(error_rate_avg.clone()))?;
        Ok(Self {
            registry,
            installations,
            outdated_percentage,
            error_rate_avg,
            high_error_installations,
        })
    }

    async fn refresh(&self, pool: &PgPool) -> sqlx::Result<()> {
        let by_cms: Vec<(String, i64)> = sqlx::query_as(
            "SELECT cms, count(*) FROM plugin_installations WHERE status <> 'uninstalled' GROUP BY cms",
        )
        .fetch_all(pool)
        .await?;
        let (outdated, error_rate, high_error): (f64, f64, i64) = sqlx::query_as(
            "SELECT COALESCE(100.0 * avg((status = 'outdated')::int), 0)::float8,
                    COALESCE(avg(error_rate), 0)::float8,
                    count(*) FILTER (WHERE error_rate > $1)
             FROM plugin_installations WHERE status <> 'uninstalled'",
        )
        .bind(policy::FAILING_ERROR_RATE_PERCENT)
        .fetch_one(pool)
        .await?;
        self.installations.reset();
        for (cms, n) in by_cms {
            self.installations.with_label_values(&[&cms]).set(n);
        }
        self.outdated_percentage.set(outdated);
        self.error_rate_avg.set(error_rate);
        self.high_error_installations.set(high_error);
        Ok(())
    }
}

pub async fn refresh_forever(pool: PgPool, gauges: FleetGauges, every: Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        if let Err(e) = gauges.refresh(&pool).await {
            tracing::warn!(error = %e, "fleet gauges not refreshed");
        }
    }
}
