//! Release announcements: each new stable release queues a `release` notice for the
//! installations it leaves behind, grouped so advice is computed once per group.

use chrono::Duration;
use sqlx::PgPool;
use uuid::Uuid;

use super::{name, Channel};

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
             -- A channel the dispatcher does not send on (in-app) is delivered by being written.
             SELECT n.id, c.channel, CASE WHEN c.channel = ANY($10) THEN 'pending' ELSE 'delivered' END,
                    CASE WHEN c.channel = ANY($10) THEN NULL ELSE now() END
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
    .bind(Channel::dispatched().collect::<Vec<_>>())
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(written as u64)
}
