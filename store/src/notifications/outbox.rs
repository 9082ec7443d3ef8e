//! The outbox: deliveries (one per notice and channel), their claims by the alerter's
//! dispatchers under leases, the outcome of every attempt (the delivery log), and the
//! escalation of unacknowledged notices to further channels.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sqlx::PgPool;
use uuid::Uuid;

use super::Channel;

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Delivery {
    /// The idempotency id every attempt of this delivery carries.
    pub id: Uuid,
    pub channel: Channel,
    pub status: String,
    pub attempts: i32,
    pub not_before: DateTime<Utc>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Attempt {
    pub delivery_id: Uuid,
    pub attempt: i32,
    pub at: DateTime<Utc>,
    pub outcome: String,
    pub detail: Option<String>,
}

/// A notice's deliveries and every attempt made (the delivery log).
pub async fn delivery_log(
    pool: &PgPool,
    notification_id: Uuid,
) -> sqlx::Result<(Vec<Delivery>, Vec<Attempt>)> {
    let deliveries = sqlx::query_as(
        "SELECT id, channel, status, attempts, not_before, last_error, delivered_at
         FROM notification_deliveries WHERE notification_id = $1 ORDER BY channel",
    )
    .bind(notification_id)
    .fetch_all(pool)
    .await?;
    let attempts = sqlx::query_as(
        "SELECT a.delivery_id, a.attempt, a.at, a.outcome, a.detail
         FROM notification_attempts a JOIN notification_deliveries d ON d.id = a.delivery_id
         WHERE d.notification_id = $1 ORDER BY a.id",
    )
    .bind(notification_id)
    .fetch_all(pool)
    .await?;
    Ok((deliveries, attempts))
}

/// A delivery claimed for sending, with everything its channel needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Outgoing {
    /// The idempotency id: the same on every attempt of this delivery.
    pub delivery_id: Uuid,
    /// This claim's lease: the outcome is recorded only while it is still the delivery's.
    pub lease_id: Uuid,
    pub channel: Channel,
    pub attempts: i32,
    pub delivery_created_at: DateTime<Utc>,
    pub notification_id: Uuid,
    pub installation_id: Uuid,
    pub site_host: Option<String>,
    pub cms: String,
    pub from_version: String,
    pub to_version: String,
    pub upgrade_type: String,
    pub priority: String,
    pub critical: bool,
    pub message: Option<String>,
    pub merchant_name: String,
    pub email: Option<String>,
    pub locale: String,
    pub webhook_url: Option<String>,
    pub webhook_secret_sealed: Option<Vec<u8>>,
    pub slack_url_sealed: Option<Vec<u8>>,
    pub sms_phone: Option<String>,
    /// Now inside the merchant's quiet hours (their time zone).
    pub in_quiet_hours: bool,
    pub quiet_hours_end_at: Option<DateTime<Utc>>,
}

/// Claims up to `limit` due deliveries of `channel` (skipping rows another dispatcher
/// holds) and leases them for `lease`: a dispatcher that dies mid-send leaves them to
/// be retried once the lease ends. Deliveries of an acknowledged notice are never
/// claimed (acknowledging cancels them; the join checks it too).
pub async fn claim_due(
    pool: &PgPool,
    channel: Channel,
    limit: i64,
    lease: Duration,
) -> sqlx::Result<Vec<Outgoing>> {
    sqlx::query_as(
        "WITH due AS (
             SELECT id FROM notification_deliveries
             WHERE status = 'pending' AND channel = $1 AND not_before <= now()
             ORDER BY not_before LIMIT $2 FOR UPDATE SKIP LOCKED),
         claimed AS (
             UPDATE notification_deliveries d
             SET attempts = d.attempts + 1, not_before = now() + $3::interval, last_attempt_at = now(),
                 updated_at = now(), lease_id = gen_random_uuid()
             FROM due WHERE d.id = due.id
             RETURNING d.id, d.notification_id, d.channel, d.attempts, d.created_at, d.lease_id)
         SELECT c.id AS delivery_id, c.lease_id, c.channel, c.attempts, c.created_at AS delivery_created_at,
                n.id AS notification_id, n.installation_id, i.site_host, n.cms, n.from_version, n.to_version,
                n.upgrade_type, n.priority, n.critical, n.message,
                m.name AS merchant_name, m.email, m.locale,
                p.webhook_url, p.webhook_secret_sealed, p.slack_url_sealed, p.sms_phone,
                COALESCE(CASE
                    WHEN p.quiet_hours_start < p.quiet_hours_end THEN
                        extract(hour FROM now() AT TIME ZONE m.timezone) >= p.quiet_hours_start
                        AND extract(hour FROM now() AT TIME ZONE m.timezone) < p.quiet_hours_end
                    ELSE extract(hour FROM now() AT TIME ZONE m.timezone) >= p.quiet_hours_start
                        OR extract(hour FROM now() AT TIME ZONE m.timezone) < p.quiet_hours_end
                END, false) AS in_quiet_hours,
                (date_trunc('hour', now() AT TIME ZONE m.timezone)
                    + make_interval(hours => ((p.quiet_hours_end - extract(hour FROM now() AT TIME ZONE m.timezone)::int + 24) % 24)))
                    AT TIME ZONE m.timezone AS quiet_hours_end_at
         FROM claimed c
         JOIN plugin_upgrade_notifications n ON n.id = c.notification_id
         JOIN merchants m ON m.id = n.merchant_id
         LEFT JOIN plugin_installations i ON i.id = n.installation_id
         LEFT JOIN notification_preferences p ON p.merchant_id = n.merchant_id
         WHERE n.acked_at IS NULL",
    )
    .bind(channel)
    .bind(limit)
    .bind(format!("{} seconds", lease.num_seconds()))
    .fetch_all(pool)
    .await
}

/// What became of one attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Delivered,
    /// Try again at `at` (a transient failure).
    Retry {
        at: DateTime<Utc>,
        detail: String,
    },
    /// Give up (a permanent failure, or retries exhausted).
    Failed {
        detail: String,
    },
    /// Not attempted now (quiet hours); the attempt is not counted.
    Deferred {
        until: DateTime<Utc>,
        detail: String,
    },
}

/// Whether an outcome was recorded under the lease it was claimed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    Recorded,
    /// The lease had ended and the delivery was claimed again (or cancelled): the
    /// attempt is logged, the delivery's state is left to its current holder.
    LeaseLost,
}

/// Records an attempt's outcome and the delivery log row, in one transaction. Every
/// update is fenced on the claim's lease id and a pending status.
pub async fn record(pool: &PgPool, o: &Outgoing, outcome: &Outcome) -> sqlx::Result<Recorded> {
    let (set, log, detail) = match outcome {
        Outcome::Delivered => (
            "status = 'delivered', delivered_at = now(), last_error = NULL",
            "delivered",
            None,
        ),
        Outcome::Retry { detail, .. } => {
            ("not_before = $3, last_error = $4", "retry", Some(detail))
        }
        Outcome::Failed { detail } => {
            ("status = 'failed', last_error = $3", "failed", Some(detail))
        }
        Outcome::Deferred { detail, .. } => (
            "not_before = $3, attempts = attempts - 1",
            "deferred",
            Some(detail),
        ),
    };
    let sql = format!(
        "UPDATE notification_deliveries SET {set}, updated_at = now()
         WHERE id = $1 AND lease_id = $2 AND status = 'pending'"
    );
    let mut update = sqlx::query(&sql).bind(o.delivery_id).bind(o.lease_id);
    update = match outcome {
        Outcome::Delivered => update,
        Outcome::Retry { at, detail } => update.bind(at).bind(detail),
        Outcome::Failed { detail } => update.bind(detail),
        Outcome::Deferred { until, .. } => update.bind(until),
    };
    let mut tx = pool.begin().await?;
    let done = update.execute(&mut *tx).await?;
    let recorded = if done.rows_affected() == 1 {
        Recorded::Recorded
    } else {
        Recorded::LeaseLost
    };
    let detail = match recorded {
        Recorded::LeaseLost => Some(format!(
            "lease lost: {}",
            detail.map_or(log, String::as_str)
        )),
        Recorded::Recorded => detail.cloned(),
    };
    sqlx::query(
        "INSERT INTO notification_attempts (delivery_id, attempt, outcome, detail) VALUES ($1, $2, $3, $4)",
    )
    .bind(o.delivery_id)
    .bind(o.attempts)
    .bind(log)
    .bind(detail)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(recorded)
}

/// Unacknowledged notices without a delivery on `channel` that are older than `after`
/// and whose merchant allows escalation (and has what the channel needs): each gets a
/// delivery on that channel. Returns how many were escalated.
pub async fn escalate(pool: &PgPool, channel: Channel, after: Duration) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "INSERT INTO notification_deliveries (notification_id, channel)
         SELECT n.id, $1 FROM plugin_upgrade_notifications n
         JOIN merchants m ON m.id = n.merchant_id
         LEFT JOIN notification_preferences p ON p.merchant_id = n.merchant_id
         WHERE n.acked_at IS NULL AND n.created_at < now() - $2::interval
           AND n.created_at > now() - interval '30 days'
           AND COALESCE(p.escalate, true)
           AND CASE $1 WHEN 'email' THEN m.email IS NOT NULL WHEN 'sms' THEN p.sms_phone IS NOT NULL ELSE false END
           AND NOT EXISTS (SELECT 1 FROM notification_deliveries d WHERE d.notification_id = n.id AND d.channel = $1)
         ON CONFLICT (notification_id, channel) DO NOTHING",
    )
    .bind(channel)
    .bind(format!("{} seconds", after.num_seconds()))
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}
