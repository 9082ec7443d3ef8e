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
    let preferred: Option<Vec<String>> =
        sqlx::query_scalar("SELECT channels FROM notification_preferences WHERE merchant_id = $1")
            .bind(n.merchant_id)
            .fetch_optional(&mut *tx)
            .await?;
    let mut channels = preferred.unwrap_or_else(|| vec!["in_app".into(), "email".into()]);
    if !channels.iter().any(|c| c == "in_app") {
        channels.push("in_app".into());
    }
    channels.sort();
    channels.dedup();
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
    sqlx::query(
        "INSERT INTO notification_deliveries (notification_id, channel) SELECT $1, unnest($2::text[])",
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
    pub before: Option<DateTime<Utc>>,
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
    if let Some(b) = f.before {
        q.push(" AND created_at < ").push_bind(b);
    }
    q.push(" ORDER BY created_at DESC LIMIT ")
        .push_bind(limit.clamp(1, 200));
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
