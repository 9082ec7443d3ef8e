//! The fleet overview is a scan of every installation: at a million rows that takes
//! longer than an Ops page should wait, so it is recomputed in the background on a
//! schedule and served from memory (`as_of` says how fresh it is).

use std::sync::{Arc, RwLock};
use std::time::Duration;

use sqlx::PgPool;
use store::installations::FleetSummary;

#[derive(Default)]
pub struct OverviewCache {
    latest: RwLock<Option<Arc<FleetSummary>>>,
}

impl OverviewCache {
    pub fn latest(&self) -> Option<Arc<FleetSummary>> {
        self.latest.read().ok().and_then(|l| l.clone())
    }

    /// Computes now (the first request before the refresher's first pass).
    pub async fn refresh(&self, pool: &PgPool) -> sqlx::Result<Arc<FleetSummary>> {
        let summary = Arc::new(store::installations::fleet_summary(pool).await?);
        if let Ok(mut l) = self.latest.write() {
            *l = Some(summary.clone());
        }
        Ok(summary)
    }

    pub async fn refresh_forever(self: Arc<Self>, pool: PgPool, every: Duration) {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = self.refresh(&pool).await {
                tracing::warn!(error = %e, "fleet overview not refreshed");
            }
        }
    }
}
