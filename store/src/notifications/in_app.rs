//! In-app notices: every notice is one, returned to the plugin in heartbeat answers
//! until it is acknowledged (ingest caches which installations have any).

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;
use uuid::Uuid;

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
