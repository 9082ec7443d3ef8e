//! The notification engine: dispatchers (one per channel) deliver the outbox that the
//! API and the jobs write (`store::notifications`), with leases, retries with
//! exponential backoff, per-channel concurrency and rate limits, quiet hours and a
//! delivery log; each channel's sending is a `channels::Sender`, and `jobs` escalates
//! unacknowledged notices and announces releases.

pub mod channels;
pub mod jobs;
pub mod settings;
pub mod templates;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry};
use sqlx::PgPool;
use store::notifications::{Channel, Outcome, Outgoing};

use channels::{SendError, Sender, Senders};
use settings::NotifySettings;

#[derive(Clone)]
pub struct NotifyMetrics {
    deliveries: IntCounterVec,
    duration: HistogramVec,
}

impl NotifyMetrics {
    pub fn new(registry: &Registry) -> prometheus::Result<Self> {
        let deliveries = IntCounterVec::new(
            Opts::new(
                "notification_deliveries_total",
                "Delivery attempts by channel and outcome (delivered, retry, failed, deferred).",
            ),
            &["channel", "outcome"],
        )?;
        let duration = HistogramVec::new(
            HistogramOpts::new(
                "notification_delivery_duration_seconds",
                "Time to send one delivery, by channel.",
            ),
            &["channel"],
        )?;
        registry.register(Box::new(deliveries.clone()))?;
        registry.register(Box::new(duration.clone()))?;
        // Every series exists from the start, so rates and alerts see zeros, not gaps.
        for c in Channel::dispatched() {
            for o in ["delivered", "retry", "failed", "deferred"] {
                deliveries.with_label_values(&[c.as_str(), o]);
            }
        }
        Ok(Self {
            deliveries,
            duration,
        })
    }
}

pub struct Dispatcher {
    pool: PgPool,
    settings: NotifySettings,
    /// Built once at startup, one per channel the dispatcher sends on.
    senders: Senders,
    metrics: NotifyMetrics,
}

impl Dispatcher {
    /// Fails (and the alerter with it) on a bad template or configuration: better at
    /// startup than at send time.
    pub fn new(
        pool: PgPool,
        settings: NotifySettings,
        metrics: NotifyMetrics,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            senders: channels::senders(&pool, &settings)?,
            pool,
            settings,
            metrics,
        })
    }

    /// One loop per channel, for as long as the process lives.
    pub fn start(self: Arc<Self>) {
        for sender in self.senders.values() {
            tokio::spawn(self.clone().run(sender.clone()));
        }
    }

    /// Claims and sends `sender`'s channel's due deliveries, forever.
    async fn run(self: Arc<Self>, sender: Arc<dyn Sender>) {
        let channel = sender.channel();
        let lease = chrono::Duration::seconds(self.settings.lease_secs);
        let spacing = Duration::from_secs_f64(1.0 / self.settings.rate_per_sec.max(0.001));
        let mut next_start = Instant::now();
        loop {
            let batch = match store::notifications::claim_due(
                &self.pool,
                channel,
                self.settings.concurrency as i64,
                lease,
            )
            .await
            {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(channel = %channel, error = %e, "cannot claim deliveries");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                    continue;
                }
            };
            if batch.is_empty() {
                tokio::time::sleep(Duration::from_millis(self.settings.poll_ms)).await;
                continue;
            }
            let mut sends = tokio::task::JoinSet::new();
            for o in batch {
                // Rate limit: starts are spaced evenly.
                tokio::time::sleep_until(next_start.into()).await;
                next_start = Instant::now().max(next_start) + spacing;
                let (me, sender) = (self.clone(), sender.clone());
                sends.spawn(async move { me.deliver(&*sender, o).await });
            }
            while sends.join_next().await.is_some() {}
        }
    }

    async fn deliver(&self, sender: &dyn Sender, o: Outgoing) {
        let started = Instant::now();
        let outcome = self.attempt(sender, &o).await;
        self.metrics
            .duration
            .with_label_values(&[o.channel.as_str()])
            .observe(started.elapsed().as_secs_f64());
        let label = match &outcome {
            Outcome::Delivered => "delivered",
            Outcome::Retry { .. } => "retry",
            Outcome::Failed { .. } => "failed",
            Outcome::Deferred { .. } => "deferred",
        };
        self.metrics
            .deliveries
            .with_label_values(&[o.channel.as_str(), label])
            .inc();
        match &outcome {
            Outcome::Failed { detail } => {
                tracing::warn!(delivery = %o.delivery_id, channel = %o.channel, attempt = o.attempts, detail, "delivery failed for good")
            }
            Outcome::Retry { detail, at } => {
                tracing::info!(delivery = %o.delivery_id, channel = %o.channel, attempt = o.attempts, detail, retry_at = %at, "delivery will be retried")
            }
            _ => {}
        }
        // If this write fails the lease expires and the delivery is tried again, with
        // the same idempotency id: a duplicate the receiver can drop, never a loss.
        match store::notifications::record(&self.pool, &o, &outcome).await {
            Ok(store::notifications::Recorded::Recorded) => {}
            Ok(store::notifications::Recorded::LeaseLost) => {
                tracing::warn!(delivery = %o.delivery_id, channel = %o.channel, attempt = o.attempts,
                    "delivery outcome came after its lease ended; the later claim's outcome stands");
            }
            Err(e) => {
                tracing::error!(delivery = %o.delivery_id, error = %e, "delivery outcome not recorded")
            }
        }
    }

    async fn attempt(&self, sender: &dyn Sender, o: &Outgoing) -> Outcome {
        if !o.critical && o.in_quiet_hours {
            if let Some(until) = o.quiet_hours_end_at {
                return Outcome::Deferred {
                    until,
                    detail: "quiet hours".into(),
                };
            }
        }
        match sender.send(o).await {
            Ok(()) => Outcome::Delivered,
            Err(SendError::Permanent(detail)) => Outcome::Failed { detail },
            Err(SendError::Retryable(detail)) => {
                let give_up =
                    o.delivery_created_at + chrono::Duration::hours(self.settings.give_up_hours);
                let at = Utc::now()
                    + backoff(
                        o.attempts,
                        self.settings.retry_base_secs,
                        self.settings.retry_max_secs,
                    );
                if at > give_up {
                    Outcome::Failed {
                        detail: format!("{detail}; gave up after {} attempts", o.attempts),
                    }
                } else {
                    Outcome::Retry { at, detail }
                }
            }
        }
    }
}

/// Exponential backoff: base × 2^(attempt−1), capped, with ±10 % jitter so retries of
/// one outage do not arrive together.
pub fn backoff(attempt: i32, base_secs: i64, max_secs: i64) -> chrono::Duration {
    let exp = base_secs.saturating_mul(1_i64 << (attempt.clamp(1, 30) - 1));
    let capped = exp.min(max_secs).max(1) as f64;
    let jitter = 0.9 + 0.2 * (uuid::Uuid::new_v4().as_bytes()[0] as f64 / 255.0);
    chrono::Duration::milliseconds((capped * jitter * 1000.0) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let secs = |a| backoff(a, 30, 3600).num_milliseconds() as f64 / 1000.0;
        assert!((27.0..=33.0).contains(&secs(1)));
        assert!((54.0..=66.0).contains(&secs(2)));
        assert!((216.0..=264.0).contains(&secs(4)));
        assert!((3240.0..=3960.0).contains(&secs(20)));
    }
}
