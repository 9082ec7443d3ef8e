//! The original contract's fleet gauges, recomputed from PostgreSQL on a schedule. One series per
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
    by_status: IntGaugeVec,
    by_version: IntGaugeVec,
}

/// Versions exported per scrape: enough for every live release line, never one series
/// per installation.
const TOP_VERSIONS: usize = 50;

impl FleetGauges {
    pub fn new() -> prometheus::Result<Self> {
        let registry = Registry::new();
        // The original contract's `plugin_installations_total` is recorded from this by a Prometheus
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
            "Share of installations (not uninstalled) behind the latest release, in percent.",
        )?;
        let error_rate_avg = Gauge::new(
            "plugin_error_rate_avg",
            "Average error rate of installations (not uninstalled), in percent of requests.",
        )?;
        let high_error_installations = prometheus::IntGauge::new(
            "plugin_high_error_installations",
            "Installations (not uninstalled) whose last hourly error rate is above 5 percent.",
        )?;
        let by_status = IntGaugeVec::new(
            Opts::new(
                "plugin_installations_by_status",
                "Installations (not uninstalled) by status.",
            ),
            &["status"],
        )?;
        let by_version = IntGaugeVec::new(
            Opts::new(
                "plugin_installations_by_version",
                "Installations (not uninstalled) of the 50 most-installed plugin versions.",
            ),
            &["cms", "version"],
        )?;
        registry.register(Box::new(by_status.clone()))?;
        registry.register(Box::new(by_version.clone()))?;
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
            by_status,
            by_version,
        })
    }

    async fn refresh(&self, pool: &PgPool) -> sqlx::Result<()> {
        // The same summary the Ops overview shows, so a page and a dashboard agree.
        let fleet = store::installations::fleet_summary(pool).await?;
        self.installations.reset();
        for c in &fleet.by_cms {
            self.installations
                .with_label_values(&[&c.cms])
                .set(c.installations);
        }
        self.by_status.reset();
        for (status, n) in &fleet.by_status {
            self.by_status.with_label_values(&[status.as_str()]).set(*n);
        }
        // Bounded: the most-installed versions only (adoption is sorted by count).
        self.by_version.reset();
        for v in fleet.version_adoption.iter().take(TOP_VERSIONS) {
            self.by_version
                .with_label_values(&[&v.cms, &v.plugin_version])
                .set(v.installations);
        }
        self.outdated_percentage.set(fleet.outdated_percentage);
        self.error_rate_avg.set(fleet.error_rate_avg);
        self.high_error_installations.set(fleet.high_error_rate);
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
