//! A merchant's notification preferences: the channels they chose, quiet hours, the
//! channels' endpoints (secrets sealed, never shown again) and escalation.

use serde::Serialize;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use super::Channel;
use crate::audit::{self, Actor, Change};

/// A merchant's notification preferences as Ops see them: secrets and the phone
/// number are never shown, only whether they are set.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Preferences {
    pub merchant_id: Uuid,
    pub channels: Vec<Channel>,
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
    /// Channel names, each checked by the caller (`Channel::from_str`); the schema's
    /// CHECK refuses any other.
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
