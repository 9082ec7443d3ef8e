//! The notification engine: dispatchers (one per channel) deliver the outbox that the
//! API and the jobs write (`store::notifications`), with leases, retries with
//! exponential backoff, per-channel concurrency and rate limits, quiet hours and a
//! delivery log; `jobs` escalates unacknowledged notices and announces releases.

pub mod channels;
pub mod jobs;
pub mod settings;
pub mod templates;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use hmac::{Hmac, Mac};
use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry};
use sha2::Sha256;
use sqlx::PgPool;
use store::notifications::{Outcome, Outgoing};
use store::sealed::SecretBox;

use channels::email::Mailer;
use channels::sms::SmsProvider;
use channels::SendError;
use settings::NotifySettings;
use templates::{labels, NoticeContext, Templates};

/// Channels the dispatcher sends on. In-app needs no sending: its delivery is written
/// delivered with the notice, and ingest serves it in heartbeat answers.
pub const CHANNELS: [&str; 4] = ["email", "webhook", "slack", "sms"];

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
        for c in CHANNELS {
            for o in ["delivered", "retry", "failed", "deferred"] {
                deliveries.with_label_values(&[c, o]);
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
    templates: Templates,
    mailer: Mailer,
    sms: SmsProvider,
    /// For the SMS provider (our configuration).
    http: reqwest::Client,
    /// For merchants' webhook and Slack URLs (policy::outbound at connect time).
    merchant_http: reqwest::Client,
    outbound: policy::outbound::OutboundPolicy,
    secrets: Option<SecretBox>,
    ack_key: Vec<u8>,
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
        let templates = Templates::load(settings.templates_dir.as_deref())?;
        let secrets = settings
            .secrets_key_file
            .as_deref()
            .map(SecretBox::from_file)
            .transpose()?;
        let ack_key = match &secrets {
            Some(secrets) => secrets.derive(ACK_TOKEN_PURPOSE).to_vec(),
            None => {
                tracing::warn!("NOTIFICATION_SECRETS_KEY_FILE unset: webhook and Slack deliveries cannot open secrets, and e-mail acknowledgement links change on restart");
                rand_key()
            }
        };
        let sms = SmsProvider {
            url: settings.sms_provider_url.clone(),
            token: settings
                .sms_provider_token_file
                .as_deref()
                .map(std::fs::read_to_string)
                .transpose()?
                .map(|t| t.trim().to_owned()),
        };
        let outbound = policy::outbound::OutboundPolicy {
            allow_internal: settings.allow_internal_targets,
        };
        let timeout = Duration::from_secs(settings.http_timeout_secs);
        Ok(Self {
            mailer: Mailer::new(&settings.smtp_relay, &settings.smtp_from)?,
            http: channels::http_client(timeout)?,
            merchant_http: channels::merchant_http_client(timeout, outbound)?,
            outbound,
            pool,
            templates,
            sms,
            secrets,
            ack_key,
            metrics,
            settings,
        })
    }

    /// One loop per channel, for as long as the process lives.
    pub fn start(self: Arc<Self>) {
        for channel in CHANNELS {
            tokio::spawn(self.clone().run(channel));
        }
    }

    async fn run(self: Arc<Self>, channel: &'static str) {
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
                    tracing::warn!(channel, error = %e, "cannot claim deliveries");
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
                let me = self.clone();
                sends.spawn(async move { me.deliver(o).await });
            }
            while sends.join_next().await.is_some() {}
        }
    }

    async fn deliver(&self, o: Outgoing) {
        let started = Instant::now();
        let outcome = self.attempt(&o).await;
        self.metrics
            .duration
            .with_label_values(&[&o.channel])
            .observe(started.elapsed().as_secs_f64());
        let label = match &outcome {
            Outcome::Delivered => "delivered",
            Outcome::Retry { .. } => "retry",
            Outcome::Failed { .. } => "failed",
            Outcome::Deferred { .. } => "deferred",
        };
        self.metrics
            .deliveries
            .with_label_values(&[&o.channel, label])
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

    async fn attempt(&self, o: &Outgoing) -> Outcome {
        if !o.critical && o.in_quiet_hours {
            if let Some(until) = o.quiet_hours_end_at {
                return Outcome::Deferred {
                    until,
                    detail: "quiet hours".into(),
                };
            }
        }
        match self.send(o).await {
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

    fn context(&self, o: &Outgoing, ack_url: String) -> NoticeContext {
        let (upgrade_type_label, priority_label) = labels(&o.locale, &o.upgrade_type, &o.priority);
        NoticeContext {
            merchant_name: o.merchant_name.clone(),
            site: o
                .site_host
                .clone()
                .unwrap_or_else(|| o.installation_id.to_string()),
            cms: o.cms.clone(),
            from_version: o.from_version.clone(),
            to_version: o.to_version.clone(),
            upgrade_type: o.upgrade_type.clone(),
            upgrade_type_label,
            priority: o.priority.clone(),
            priority_label,
            critical: o.critical,
            message: o.message.clone(),
            ack_url,
            reference: o.delivery_id.to_string(),
            reference_short: o.delivery_id.simple().to_string()[..8].to_owned(),
        }
    }

    fn open(&self, sealed: Option<&[u8]>, what: &str) -> Result<String, SendError> {
        let sealed =
            sealed.ok_or_else(|| SendError::Permanent(format!("merchant has no {what}")))?;
        let secrets = self.secrets.as_ref().ok_or_else(|| {
            SendError::Retryable("NOTIFICATION_SECRETS_KEY_FILE is not configured".into())
        })?;
        secrets.open(sealed).map_err(|_| {
            SendError::Permanent(format!("the stored {what} cannot be opened with this key"))
        })
    }

    async fn send(&self, o: &Outgoing) -> Result<(), SendError> {
        let template_error = |e: templates::TemplateError| SendError::Permanent(e.to_string());
        match o.channel.as_str() {
            "email" => {
                let to = o
                    .email
                    .as_deref()
                    .ok_or_else(|| SendError::Permanent("merchant has no e-mail address".into()))?;
                // Deterministic per delivery, so a retried e-mail carries the same link.
                let expires_at = o.delivery_created_at
                    + chrono::Duration::days(self.settings.ack_link_days.into());
                let token = ack_token(&self.ack_key, o.notification_id, expires_at);
                store::notifications::set_ack_token(
                    &self.pool,
                    o.notification_id,
                    &store::secret::hash(&token),
                    expires_at,
                )
                .await
                .map_err(|_| SendError::Retryable("acknowledgement token not stored".into()))?;
                let url = format!(
                    "{}/api/v1/notices/ack?token={token}",
                    self.settings.public_api_url.trim_end_matches('/')
                );
                let mail = self
                    .templates
                    .email(&o.locale, &self.context(o, url))
                    .map_err(template_error)?;
                self.mailer.send(to, mail, o.delivery_id).await
            }
            "webhook" => {
                let secret = self.open(o.webhook_secret_sealed.as_deref(), "webhook secret")?;
                let url = o
                    .webhook_url
                    .as_deref()
                    .ok_or_else(|| SendError::Permanent("merchant has no webhook URL".into()))?;
                let url =
                    channels::checked_url(&self.outbound, url, policy::outbound::Target::Webhook)?;
                channels::webhook::send(&self.merchant_http, o, &url, &secret).await
            }
            "slack" => {
                let url = self.open(o.slack_url_sealed.as_deref(), "Slack webhook URL")?;
                let url =
                    channels::checked_url(&self.outbound, &url, policy::outbound::Target::Slack)?;
                let text = self
                    .templates
                    .slack(&o.locale, &self.context(o, String::new()))
                    .map_err(template_error)?;
                channels::slack::send(&self.merchant_http, &url, &text, o.delivery_id).await
            }
            "sms" => {
                let to = o
                    .sms_phone
                    .as_deref()
                    .ok_or_else(|| SendError::Permanent("merchant has no phone number".into()))?;
                let text = self
                    .templates
                    .sms(&o.locale, &self.context(o, String::new()))
                    .map_err(template_error)?;
                self.sms.send(&self.http, to, &text, o.delivery_id).await
            }
            other => Err(SendError::Permanent(format!("unknown channel {other}"))),
        }
    }
}

fn rand_key() -> Vec<u8> {
    uuid::Uuid::new_v4()
        .as_bytes()
        .iter()
        .chain(uuid::Uuid::new_v4().as_bytes())
        .copied()
        .collect()
}

/// What the acknowledgement-link key is derived for (HKDF info; changing it changes
/// every link).
const ACK_TOKEN_PURPOSE: &str = "plugin-telemetry/notice-ack-link/v1";

/// The e-mail's acknowledgement token: stable for a notice and its expiry (a retried
/// e-mail carries the same link), unguessable without the key.
pub fn ack_token(
    key: &[u8],
    notification_id: uuid::Uuid,
    expires_at: chrono::DateTime<Utc>,
) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    mac.update(b"ack:");
    mac.update(notification_id.as_bytes());
    mac.update(&expires_at.timestamp().to_be_bytes());
    hex::encode(mac.finalize().into_bytes())
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

    #[test]
    fn ack_tokens_are_stable_per_notice_and_keyed() {
        let n = uuid::Uuid::new_v4();
        let at = Utc::now();
        assert_eq!(ack_token(b"k", n, at), ack_token(b"k", n, at));
        assert_ne!(ack_token(b"k", n, at), ack_token(b"other", n, at));
        assert_ne!(
            ack_token(b"k", n, at),
            ack_token(b"k", uuid::Uuid::new_v4(), at)
        );
        let later = at + chrono::Duration::days(1);
        assert_ne!(ack_token(b"k", n, at), ack_token(b"k", n, later));
    }
}
