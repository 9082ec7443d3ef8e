//! Upgrade notices and their outbox. A notice and one delivery row per channel the
//! merchant chose are written in one transaction with the audit row, so a decision to
//! notify is never lost and never half-made; the alerter's dispatcher delivers them.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::audit::{self, Actor, Change};

/// Channels a delivery can go through; in-app is always one of them.
pub const CHANNELS: [&str; 5] = ["in_app", "email", "webhook", "slack", "sms"];

/// What triggered a notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Release,
    Ops,
    Escalation,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Release => "release",
            Trigger::Ops => "ops",
            Trigger::Escalation => "escalation",
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewNotice {
    pub installation_id: Uuid,
    pub merchant_id: Uuid,
    pub cms: String,
    pub from_version: String,
    pub advice: policy::advice::UpgradeAdvice,
    pub trigger: Trigger,
    pub message: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Enqueued {
    pub notification_id: Uuid,
    /// True when the same notice was already sent within the throttle window: nothing
    /// new was written and `notification_id` is the earlier notice.
    pub deduplicated: bool,
    pub channels: Vec<String>,
}

fn name<T: Serialize>(v: T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Writes a notice and its deliveries unless the same one (installation, target
/// version, trigger) was written within `throttle`.
pub async fn enqueue(
    pool: &PgPool,
    n: &NewNotice,
    throttle: Duration,
    actor: &Actor,
) -> sqlx::Result<Enqueued> {
    let mut tx = pool.begin().await?;
    // Two concurrent requests for the same notice serialise here; the loser sees the
    // winner's row below.
    let dedup_key = format!(
        "notice:{}:{}:{}",
        n.installation_id,
        n.advice.latest_version,
        n.trigger.as_str()
    );
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind(&dedup_key)
        .execute(&mut *tx)
        .await?;
    let earlier: Option<Uuid> = sqlx::query_scalar(
        "SELECT id FROM plugin_upgrade_notifications
         WHERE installation_id = $1 AND to_version = $2 AND trigger = $3 AND created_at > now() - $4::interval
         ORDER BY created_at DESC LIMIT 1",
    )
    .bind(n.installation_id)
    .bind(&n.advice.latest_version)
    .bind(n.trigger.as_str())
    .bind(format!("{} seconds", throttle.num_seconds()))
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(id) = earlier {
        let channels: Vec<String> = sqlx::query_scalar(
            "SELECT channel FROM notification_deliveries WHERE notification_id = $1 ORDER BY channel",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        return Ok(Enqueued {
            notification_id: id,
            deduplicated: true,
            channels,
        });
    }
    let channels: Vec<String> = sqlx::query_scalar("SELECT deliverable_channels($1)")
        .bind(n.merchant_id)
        .fetch_one(&mut *tx)
        .await?;
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO plugin_upgrade_notifications (installation_id, merchant_id, cms, from_version, to_version,
             upgrade_type, priority, critical, trigger, message, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(n.installation_id)
    .bind(n.merchant_id)
    .bind(&n.cms)
    .bind(&n.from_version)
    .bind(&n.advice.latest_version)
    .bind(name(n.advice.upgrade_type))
    .bind(name(n.advice.priority))
    .bind(n.advice.critical)
    .bind(n.trigger.as_str())
    .bind(&n.message)
    .bind(&actor.name)
    .fetch_one(&mut *tx)
    .await?;
    // In-app is delivered by being here: ingest serves it from this table.
    sqlx::query(
        "INSERT INTO notification_deliveries (notification_id, channel, status, delivered_at)
         SELECT $1, c, CASE WHEN c = 'in_app' THEN 'delivered' ELSE 'pending' END,
                CASE WHEN c = 'in_app' THEN now() END
         FROM unnest($2::text[]) AS c",
    )
    .bind(id)
    .bind(&channels)
    .execute(&mut *tx)
    .await?;
    let change = Change {
        action: "notification.create",
        target_type: "installation",
        target_id: n.installation_id.to_string(),
        before: None,
        after: Some(
            json!({"notification_id": id, "to_version": n.advice.latest_version,
            "priority": name(n.advice.priority), "trigger": n.trigger.as_str(), "channels": channels}),
        ),
        reason: n.message.as_deref(),
    };
    audit::append(&mut tx, actor, change).await?;
    tx.commit().await?;
    Ok(Enqueued {
        notification_id: id,
        deduplicated: false,
        channels,
    })
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Notice {
    pub id: Uuid,
    pub installation_id: Uuid,
    pub merchant_id: Uuid,
    pub cms: String,
    pub from_version: String,
    pub to_version: String,
    pub upgrade_type: String,
    pub priority: String,
    pub critical: bool,
    pub trigger: String,
    pub message: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub acked_at: Option<DateTime<Utc>>,
    pub acked_via: Option<String>,
}

const NOTICE_COLUMNS: &str =
    "id, installation_id, merchant_id, cms, from_version, to_version, upgrade_type,
    priority, critical, trigger, message, created_by, created_at, acked_at, acked_via";

#[derive(Debug, Clone, Default)]
pub struct NoticeFilter {
    pub installation_id: Option<Uuid>,
    pub merchant_id: Option<Uuid>,
    pub acked: Option<bool>,
    pub before: Option<crate::page::Before>,
}

/// Newest first; `before` pages back in time.
pub async fn list(pool: &PgPool, f: &NoticeFilter, limit: i64) -> sqlx::Result<Vec<Notice>> {
    let mut q = sqlx::QueryBuilder::new(format!(
        "SELECT {NOTICE_COLUMNS} FROM plugin_upgrade_notifications WHERE true"
    ));
    if let Some(i) = f.installation_id {
        q.push(" AND installation_id = ").push_bind(i);
    }
    if let Some(m) = f.merchant_id {
        q.push(" AND merchant_id = ").push_bind(m);
    }
    if let Some(acked) = f.acked {
        q.push(if acked {
            " AND acked_at IS NOT NULL"
        } else {
            " AND acked_at IS NULL"
        });
    }
    if let Some(b) = &f.before {
        b.push_condition(&mut q, "created_at", "id");
    }
    q.push(crate::page::Before::order("created_at", "id"));
    q.push(" LIMIT ").push_bind(limit.clamp(1, 200));
    q.build_query_as().fetch_all(pool).await
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Delivery {
    /// The idempotency id every attempt of this delivery carries.
    pub id: Uuid,
    pub channel: String,
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

pub async fn get(pool: &PgPool, id: Uuid) -> sqlx::Result<Option<Notice>> {
    sqlx::query_as(&format!(
        "SELECT {NOTICE_COLUMNS} FROM plugin_upgrade_notifications WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// Records an acknowledgement (the first one wins); false when the notice does not
/// exist or was already acknowledged.
pub async fn acknowledge(pool: &PgPool, id: Uuid, via: &str, actor: &Actor) -> sqlx::Result<bool> {
    let mut tx = pool.begin().await?;
    let done = sqlx::query(
        "UPDATE plugin_upgrade_notifications SET acked_at = now(), acked_via = $2
         WHERE id = $1 AND acked_at IS NULL",
    )
    .bind(id)
    .bind(via)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    let change = Change {
        action: "notification.ack",
        target_type: "notification",
        target_id: id.to_string(),
        before: Some(json!({"acked": false})),
        after: Some(json!({"acked": true, "via": via})),
        reason: None,
    };
    audit::append(&mut tx, actor, change).await?;
    tx.commit().await?;
    Ok(true)
}

// ---------------------------------------------------------------- preferences

/// A merchant's notification preferences as Ops see them: secrets and the phone
/// number are never shown, only whether they are set.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Preferences {
    pub merchant_id: Uuid,
    pub channels: Vec<String>,
    pub quiet_hours_start: Option<i16>,
    pub quiet_hours_end: Option<i16>,
    /// IANA name, e.g. Europe/Paris: quiet hours are in this zone.
    pub timezone: String,
    pub webhook_url: Option<String>,
    pub webhook_secret_set: bool,
    pub slack_webhook_set: bool,
    pub sms_phone_set: bool,
    pub escalate: bool,
}

/// A full replacement of the preferences; sealed secrets are sealed by the caller
/// (`crate::sealed`). `None` for a secret keeps the stored one.
#[derive(Debug, Clone)]
pub struct PreferencesUpdate {
    pub channels: Vec<String>,
    pub quiet_hours: Option<(i16, i16)>,
    pub timezone: Option<String>,
    pub webhook_url: Option<String>,
    pub webhook_secret_sealed: Option<Vec<u8>>,
    pub slack_url_sealed: Option<Vec<u8>>,
    pub sms_phone: Option<String>,
    pub escalate: bool,
}

pub async fn preferences(pool: &PgPool, merchant_id: Uuid) -> sqlx::Result<Preferences> {
    sqlx::query_as(
        "SELECT m.id AS merchant_id, COALESCE(p.channels, '{in_app,email}') AS channels,
                p.quiet_hours_start, p.quiet_hours_end, m.timezone, p.webhook_url,
                p.webhook_secret_sealed IS NOT NULL AS webhook_secret_set,
                p.slack_url_sealed IS NOT NULL AS slack_webhook_set,
                p.sms_phone IS NOT NULL AS sms_phone_set, COALESCE(p.escalate, true) AS escalate
         FROM merchants m LEFT JOIN notification_preferences p ON p.merchant_id = m.id
         WHERE m.id = $1",
    )
    .bind(merchant_id)
    .fetch_one(pool)
    .await
}

/// Whether PostgreSQL knows a time zone name.
pub async fn valid_timezone(pool: &PgPool, tz: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $1)")
        .bind(tz)
        .fetch_one(pool)
        .await
}

pub async fn set_preferences(
    pool: &PgPool,
    merchant_id: Uuid,
    u: &PreferencesUpdate,
    actor: &Actor,
) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    if let Some(tz) = &u.timezone {
        sqlx::query("UPDATE merchants SET timezone = $2 WHERE id = $1")
            .bind(merchant_id)
            .bind(tz)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query(
        "INSERT INTO notification_preferences (merchant_id, channels, quiet_hours_start, quiet_hours_end,
             webhook_url, webhook_secret_sealed, slack_url_sealed, sms_phone, escalate, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now())
         ON CONFLICT (merchant_id) DO UPDATE SET channels = $2, quiet_hours_start = $3, quiet_hours_end = $4,
             webhook_url = $5,
             webhook_secret_sealed = COALESCE($6, notification_preferences.webhook_secret_sealed),
             slack_url_sealed = COALESCE($7, notification_preferences.slack_url_sealed),
             sms_phone = $8, escalate = $9, updated_at = now()",
    )
    .bind(merchant_id)
    .bind(&u.channels)
    .bind(u.quiet_hours.map(|q| q.0))
    .bind(u.quiet_hours.map(|q| q.1))
    .bind(&u.webhook_url)
    .bind(&u.webhook_secret_sealed)
    .bind(&u.slack_url_sealed)
    .bind(&u.sms_phone)
    .bind(u.escalate)
    .execute(&mut *tx)
    .await?;
    // What changed, without secrets or the phone number.
    let change = Change {
        action: "notification_preferences.set",
        target_type: "merchant",
        target_id: merchant_id.to_string(),
        before: None,
        after: Some(
            json!({"channels": u.channels, "quiet_hours": u.quiet_hours, "timezone": u.timezone,
            "webhook_url_set": u.webhook_url.is_some(), "webhook_secret_changed": u.webhook_secret_sealed.is_some(),
            "slack_webhook_changed": u.slack_url_sealed.is_some(), "sms_phone_set": u.sms_phone.is_some(),
            "escalate": u.escalate}),
        ),
        reason: None,
    };
    audit::append(&mut tx, actor, change).await?;
    tx.commit().await
}

// ---------------------------------------------------------------- dispatching

/// A delivery claimed for sending, with everything its channel needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Outgoing {
    /// The idempotency id: the same on every attempt of this delivery.
    pub delivery_id: Uuid,
    /// This claim's lease: the outcome is recorded only while it is still the delivery's.
    pub lease_id: Uuid,
    pub channel: String,
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
    channel: &str,
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

/// Stores the hash of the e-mail acknowledgement link's token for a notice.
pub async fn set_ack_token(
    pool: &PgPool,
    notification_id: Uuid,
    token_hash: &[u8],
    expires_at: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE plugin_upgrade_notifications SET ack_token_hash = $2, ack_token_expires_at = $3 WHERE id = $1",
    )
        .bind(notification_id)
        .bind(token_hash)
        .bind(expires_at)
        .execute(pool)
        .await?;
    Ok(())
}

/// What an e-mail link's token found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenAck {
    Acknowledged,
    AlreadyAcknowledged,
    Expired,
    Unknown,
}

/// Acknowledges the notice whose e-mail link carries `token`, while the link is valid
/// (links sent before expiries were stored count from the notice's creation).
pub async fn acknowledge_by_token(pool: &PgPool, token: &str) -> sqlx::Result<TokenAck> {
    let found: Option<(Uuid, bool, bool)> = sqlx::query_as(
        "SELECT id, acked_at IS NOT NULL,
                COALESCE(ack_token_expires_at, created_at + interval '30 days') <= now()
         FROM plugin_upgrade_notifications WHERE ack_token_hash = $1",
    )
    .bind(&crate::secret::hash(token)[..])
    .fetch_optional(pool)
    .await?;
    Ok(match found {
        None => TokenAck::Unknown,
        Some((_, _, true)) => TokenAck::Expired,
        Some((_, true, _)) => TokenAck::AlreadyAcknowledged,
        Some((id, false, false)) => {
            if acknowledge(pool, id, "email_link", &Actor::new("merchant:email-link")).await? {
                TokenAck::Acknowledged
            } else {
                TokenAck::AlreadyAcknowledged
            }
        }
    })
}

/// Unacknowledged notices without a delivery on `channel` that are older than `after`
/// and whose merchant allows escalation (and has what the channel needs): each gets a
/// delivery on that channel. Returns how many were escalated.
pub async fn escalate(pool: &PgPool, channel: &str, after: Duration) -> sqlx::Result<u64> {
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

/// An in-app notice as the plugin receives it in a heartbeat answer.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct InAppNotice {
    pub notice_id: Uuid,
    #[serde(skip)]
    pub installation_id: Uuid,
    pub to_version: String,
    pub upgrade_type: String,
    pub priority: String,
    pub critical: bool,
    pub message: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Installations with an unacknowledged notice of the last 30 days (every notice is
/// in-app).
pub async fn installations_with_notices(pool: &PgPool) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar(
        "SELECT DISTINCT installation_id FROM plugin_upgrade_notifications
         WHERE acked_at IS NULL AND created_at > now() - interval '30 days'",
    )
    .fetch_all(pool)
    .await
}

/// Installations whose notices were created or acknowledged since `since`, and whether
/// each still has an unacknowledged one.
pub async fn notices_changed_since(
    pool: &PgPool,
    since: DateTime<Utc>,
) -> sqlx::Result<Vec<(Uuid, bool)>> {
    sqlx::query_as(
        "SELECT c.installation_id, EXISTS (
                    SELECT 1 FROM plugin_upgrade_notifications n
                    WHERE n.installation_id = c.installation_id AND n.acked_at IS NULL
                      AND n.created_at > now() - interval '30 days')
         FROM (SELECT DISTINCT installation_id FROM plugin_upgrade_notifications
               WHERE created_at > $1 OR acked_at > $1) AS c",
    )
    .bind(since)
    .fetch_all(pool)
    .await
}

/// One installation's unacknowledged notices of the last 30 days, oldest first. The
/// merchant is part of the key: another merchant's key naming this installation id
/// must learn nothing.
pub async fn unacknowledged_for(
    pool: &PgPool,
    installation: &[Uuid],
    merchant: Uuid,
) -> sqlx::Result<Vec<InAppNotice>> {
    sqlx::query_as(
        "SELECT id AS notice_id, installation_id, to_version, upgrade_type, priority, critical, message, created_at
         FROM plugin_upgrade_notifications
         WHERE installation_id = ANY($1) AND merchant_id = $2 AND acked_at IS NULL
           AND created_at > now() - interval '30 days'
         ORDER BY created_at",
    )
    .bind(installation)
    .bind(merchant)
    .fetch_all(pool)
    .await
}

// ---------------------------------------------------------------- release announcements

/// Stable, unwithdrawn releases not yet announced; `recent` when published within
/// the announcement window (older ones are only marked, never announced late).
pub async fn unannounced_releases(
    pool: &PgPool,
    within: Duration,
) -> sqlx::Result<Vec<(Uuid, String, String, bool)>> {
    sqlx::query_as(
        "SELECT id, cms, version, released_at > now() - $1::interval AS recent
         FROM plugin_versions_registry
         WHERE announced_at IS NULL AND channel = 'stable' AND yanked_at IS NULL
         ORDER BY released_at",
    )
    .bind(format!("{} seconds", within.num_seconds()))
    .fetch_all(pool)
    .await
}

pub async fn mark_announced(pool: &PgPool, release: Uuid) -> sqlx::Result<()> {
    sqlx::query("UPDATE plugin_versions_registry SET announced_at = now() WHERE id = $1")
        .bind(release)
        .execute(pool)
        .await?;
    Ok(())
}

/// Installations a release leaves behind, grouped by what their advice depends on
/// (so advice is computed once per group, not once per installation).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BehindGroup {
    pub plugin_version: String,
    pub runtime_version: Option<String>,
    pub cms_version: Option<String>,
    pub installations: i64,
}

pub async fn behind_release(pool: &PgPool, release: Uuid) -> sqlx::Result<Vec<BehindGroup>> {
    sqlx::query_as(
        "SELECT i.plugin_version, i.runtime_version, i.cms_version, count(*) AS installations
         FROM plugin_installations i JOIN plugin_versions_registry r ON r.id = $1
         WHERE i.cms = r.cms AND i.version_key < r.version_key AND i.status <> 'uninstalled'
         GROUP BY 1, 2, 3",
    )
    .bind(release)
    .fetch_all(pool)
    .await
}

/// Queues a `release` notice (and its deliveries, by each merchant's preferences) for
/// every installation of the group, except those that got the same notice within
/// `throttle`. One statement; returns how many notices were written.
pub async fn announce_to_group(
    pool: &PgPool,
    cms: &str,
    g: &BehindGroup,
    advice: &policy::advice::UpgradeAdvice,
    throttle: Duration,
) -> sqlx::Result<u64> {
    let mut tx = pool.begin().await?;
    let written: i64 = sqlx::query_scalar(
        "WITH targets AS (
             SELECT i.id, i.merchant_id FROM plugin_installations i
             WHERE i.cms = $1 AND i.plugin_version = $2
               AND i.runtime_version IS NOT DISTINCT FROM $3 AND i.cms_version IS NOT DISTINCT FROM $4
               AND i.status <> 'uninstalled'
               AND NOT EXISTS (SELECT 1 FROM plugin_upgrade_notifications n
                               WHERE n.installation_id = i.id AND n.to_version = $5 AND n.trigger = 'release'
                                 AND n.created_at > now() - $9::interval)),
         notices AS (
             INSERT INTO plugin_upgrade_notifications (installation_id, merchant_id, cms, from_version, to_version,
                 upgrade_type, priority, critical, trigger, created_by)
             SELECT id, merchant_id, $1, $2, $5, $6, $7, $8, 'release', 'alerter:release-announcer' FROM targets
             RETURNING id, merchant_id),
         channels AS (
             -- Once per merchant, not once per notice.
             SELECT m.merchant_id, unnest(deliverable_channels(m.merchant_id)) AS channel
             FROM (SELECT DISTINCT merchant_id FROM targets) AS m),
         deliveries AS (
             INSERT INTO notification_deliveries (notification_id, channel, status, delivered_at)
             SELECT n.id, c.channel, CASE WHEN c.channel = 'in_app' THEN 'delivered' ELSE 'pending' END,
                    CASE WHEN c.channel = 'in_app' THEN now() END
             FROM notices n JOIN channels c ON c.merchant_id = n.merchant_id
             RETURNING 1)
         SELECT count(*) FROM notices",
    )
    .bind(cms)
    .bind(&g.plugin_version)
    .bind(&g.runtime_version)
    .bind(&g.cms_version)
    .bind(&advice.latest_version)
    .bind(name(advice.upgrade_type))
    .bind(name(advice.priority))
    .bind(advice.critical)
    .bind(format!("{} seconds", throttle.num_seconds()))
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(written as u64)
}
