//! The version registry: publishing and yanking releases (audited), and reading them
//! for upgrade advice. Rules about which release to advise live in `policy::advice`.

use chrono::{DateTime, Utc};
use policy::advice::{Channel, Release};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::audit::{self, Actor, Change};

#[derive(Debug, Clone)]
pub struct NewRelease {
    pub cms: String,
    pub version: String,
    pub channel: Channel,
    pub min_supported_version: Option<String>,
    pub security_fix: bool,
    pub min_runtime_version: Option<String>,
    pub min_cms_version: Option<String>,
    pub tested_up_to: Option<String>,
    pub changelog: String,
    pub package_url: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("{0:?} is not a version (semver, e.g. 1.3.5)")]
    InvalidVersion(String),
    #[error("cms must be one of {}", schemas::heartbeat::KNOWN_CMS.join(", "))]
    UnknownCms,
    #[error("{cms} {version} is already published")]
    AlreadyPublished { cms: String, version: String },
    #[error("{cms} {version} is not published or already yanked")]
    NotFound { cms: String, version: String },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

fn key(version: &str) -> Result<Vec<i32>, RegistryError> {
    schemas::version::sort_key(version)
        .map(Vec::from)
        .ok_or_else(|| RegistryError::InvalidVersion(version.to_owned()))
}

fn channel_name(c: Channel) -> &'static str {
    match c {
        Channel::Stable => "stable",
        Channel::Beta => "beta",
    }
}

/// Publishes a release. Unparsable versions are refused here (never stored).
pub async fn publish(pool: &PgPool, r: &NewRelease, actor: &Actor) -> Result<Uuid, RegistryError> {
    if !schemas::heartbeat::known_cms(&r.cms).is_ok_and(|c| c == r.cms) {
        return Err(RegistryError::UnknownCms);
    }
    let version_key = key(&r.version)?;
    let min_key = r.min_supported_version.as_deref().map(key).transpose()?;
    for v in [&r.min_runtime_version, &r.min_cms_version, &r.tested_up_to]
        .into_iter()
        .flatten()
    {
        key(v)?;
    }
    let mut tx = pool.begin().await?;
    let id: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO plugin_versions_registry (cms, version, version_key, channel, min_supported_version,
             min_supported_key, security_fix, min_runtime_version, min_cms_version, tested_up_to,
             changelog, package_url, published_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (cms, version) DO NOTHING RETURNING id",
    )
    .bind(&r.cms)
    .bind(&r.version)
    .bind(&version_key)
    .bind(channel_name(r.channel))
    .bind(&r.min_supported_version)
    .bind(&min_key)
    .bind(r.security_fix)
    .bind(&r.min_runtime_version)
    .bind(&r.min_cms_version)
    .bind(&r.tested_up_to)
    .bind(&r.changelog)
    .bind(&r.package_url)
    .bind(&actor.name)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = id else {
        return Err(RegistryError::AlreadyPublished {
            cms: r.cms.clone(),
            version: r.version.clone(),
        });
    };
    let after = json!({"cms": r.cms, "version": r.version, "channel": channel_name(r.channel),
        "min_supported_version": r.min_supported_version, "security_fix": r.security_fix,
        "min_runtime_version": r.min_runtime_version, "min_cms_version": r.min_cms_version,
        "tested_up_to": r.tested_up_to, "package_url": r.package_url});
    let change = Change {
        action: "release.publish",
        target_type: "release",
        target_id: format!("{}@{}", r.cms, r.version),
        before: None,
        after: Some(after),
        reason: None,
    };
    audit::append(&mut tx, actor, change).await?;
    tx.commit().await?;
    Ok(id)
}

/// Withdraws a release: it is never advised again, and installations running it are
/// told to upgrade as a critical matter.
pub async fn yank(
    pool: &PgPool,
    cms: &str,
    version: &str,
    reason: &str,
    actor: &Actor,
) -> Result<(), RegistryError> {
    let mut tx = pool.begin().await?;
    let done = sqlx::query(
        "UPDATE plugin_versions_registry SET yanked_at = now(), yank_reason = $3
         WHERE cms = $1 AND version = $2 AND yanked_at IS NULL",
    )
    .bind(cms)
    .bind(version)
    .bind(reason)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(RegistryError::NotFound {
            cms: cms.to_owned(),
            version: version.to_owned(),
        });
    }
    let change = Change {
        action: "release.yank",
        target_type: "release",
        target_id: format!("{cms}@{version}"),
        before: Some(json!({"yanked": false})),
        after: Some(json!({"yanked": true})),
        reason: Some(reason),
    };
    audit::append(&mut tx, actor, change).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Row {
    cms: String,
    version: String,
    channel: String,
    released_at: DateTime<Utc>,
    min_supported_version: Option<String>,
    security_fix: bool,
    min_runtime_version: Option<String>,
    min_cms_version: Option<String>,
    tested_up_to: Option<String>,
    changelog: String,
    package_url: Option<String>,
    yanked: bool,
}

/// Every release, yanked ones included (advice needs to know what was withdrawn).
pub async fn releases(pool: &PgPool) -> sqlx::Result<Vec<Release>> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT cms, version, channel, released_at, min_supported_version, security_fix,
                min_runtime_version, min_cms_version, tested_up_to, changelog, package_url,
                yanked_at IS NOT NULL AS yanked
         FROM plugin_versions_registry ORDER BY cms, version_key",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Release {
            cms: r.cms,
            version: r.version,
            channel: if r.channel == "beta" {
                Channel::Beta
            } else {
                Channel::Stable
            },
            released_at: r.released_at,
            min_supported_version: r.min_supported_version,
            security_fix: r.security_fix,
            min_runtime_version: r.min_runtime_version,
            min_cms_version: r.min_cms_version,
            tested_up_to: r.tested_up_to,
            changelog: r.changelog,
            package_url: r.package_url,
            yanked: r.yanked,
        })
        .collect())
}
