//! The status job (the original contract's markStalePlugins / mark-outdated): decides
//! every installation's status with the rules in `policy` and stores it. One pass:
//! - blocked: effective `block_plugin` toggles, resolved with `policy::toggles` like
//!   ingest does;
//! - outdated / critical: `policy::status::standing` (the plugin's own upgrade advice)
//!   per group of installations sharing CMS, plugin, runtime and CMS versions;
//! - status: `policy::status::Status::of` for each of the 32 flag combinations, which
//!   PostgreSQL matches against each installation's flags.
//!
//! It runs on a schedule and at once when toggles or the registry change (NOTIFY
//! `plugin_config`) or an installation reports its uninstallation (NOTIFY
//! `installation_status`). A PostgreSQL advisory lock makes sure two alerter instances
//! never run it at the same time.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::Utc;
use policy::status::{standing, Flags, Status};
use policy::toggles::{effective, Scope, BLOCK_PLUGIN};
use policy::InstallationFacts;
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

const LOCK_KEY: i64 = 0x7374_6174_7573; // "status"

#[derive(Debug, Clone, clap::Args)]
pub struct StatusSettings {
    /// Seconds between status recomputations (also run on every registry/toggle change).
    #[arg(long, env = "ALERTER_STATUS_INTERVAL_SECS", default_value_t = 30)]
    pub status_interval_secs: u64,
    /// The plugins' heartbeat interval: stale after three without a heartbeat.
    #[arg(long, env = "ALERTER_HEARTBEAT_INTERVAL_SECS", default_value_t = 3600)]
    pub heartbeat_interval_secs: i32,
}

pub async fn run_forever(pool: PgPool, settings: StatusSettings) {
    let every = Duration::from_secs(settings.status_interval_secs.max(1));
    // Runs at (re)connection, on every change and after `every` without one.
    let job = pool.clone();
    store::listen::follow(
        pool,
        &["plugin_config", "installation_status"],
        every,
        |_| {
            let (pool, settings) = (job.clone(), settings.clone());
            async move {
                match run_once(&pool, &settings).await {
                    Ok(Some(changed)) => {
                        tracing::debug!(changed, "installation statuses refreshed")
                    }
                    Ok(None) => tracing::debug!("status job running elsewhere"),
                    Err(e) => tracing::warn!(error = %e, "status job failed"),
                }
            }
        },
    )
    .await;
}

/// The number returned counts rows whose flags or status changed.
pub async fn run_once(pool: &PgPool, s: &StatusSettings) -> sqlx::Result<Option<u64>> {
    let mut conn = pool.acquire().await?;
    let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
        .bind(LOCK_KEY)
        .fetch_one(&mut *conn)
        .await?;
    if !locked {
        return Ok(None);
    }
    let result = async {
        refresh_blocked(pool).await?;
        let standing = refresh_standing(pool).await?;
        let statuses = refresh_statuses(pool, s.heartbeat_interval_secs).await?;
        Ok(standing + statuses)
    }
    .await;
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(LOCK_KEY)
        .execute(&mut *conn)
        .await?;
    result.map(Some)
}

#[derive(sqlx::FromRow)]
struct Candidate {
    id: Uuid,
    merchant_id: Uuid,
    cms: String,
    plugin_version: String,
}

/// Sets `is_blocked` to whether `block_plugin` is effectively true for each installation.
async fn refresh_blocked(pool: &PgPool) -> sqlx::Result<()> {
    let toggles = store::toggles::active(pool).await?;
    let mut candidates: BTreeMap<Uuid, Candidate> = BTreeMap::new();
    for t in toggles
        .iter()
        .filter(|t| t.key == BLOCK_PLUGIN && t.value == Value::Bool(true))
    {
        let base = "SELECT id, merchant_id, cms, plugin_version FROM plugin_installations";
        let rows: Vec<Candidate> = match &t.scope {
            Scope::Installation {
                installation_id, ..
            } => {
                sqlx::query_as(&format!("{base} WHERE id = $1"))
                    .bind(installation_id)
                    .fetch_all(pool)
                    .await?
            }
            Scope::Merchant { merchant_id } => {
                sqlx::query_as(&format!("{base} WHERE merchant_id = $1"))
                    .bind(merchant_id)
                    .fetch_all(pool)
                    .await?
            }
            Scope::Cms { cms, .. } => {
                sqlx::query_as(&format!("{base} WHERE cms = $1"))
                    .bind(cms)
                    .fetch_all(pool)
                    .await?
            }
            Scope::Global => sqlx::query_as(base).fetch_all(pool).await?,
        };
        candidates.extend(rows.into_iter().map(|c| (c.id, c)));
    }
    let now = Utc::now();
    let blocked: Vec<Uuid> = candidates
        .values()
        .filter(|c| {
            let facts = InstallationFacts {
                installation_id: c.id,
                merchant_id: c.merchant_id,
                cms: c.cms.clone(),
                plugin_version: c.plugin_version.clone(),
                runtime_version: None,
                cms_version: None,
            };
            effective(&toggles, &facts, now)
                .get(BLOCK_PLUGIN)
                .is_some_and(|e| e.value == Value::Bool(true))
        })
        .map(|c| c.id)
        .collect();
    sqlx::query(
        "UPDATE plugin_installations SET is_blocked = (id = ANY($1))
         WHERE is_blocked IS DISTINCT FROM (id = ANY($1))",
    )
    .bind(&blocked)
    .execute(pool)
    .await?;
    Ok(())
}

/// Installations that share these facts get the same advice. An unknown version is
/// '' here (NULL in the row): the advice treats an empty and an absent version alike
/// (neither parses), and equality on '' lets PostgreSQL hash-join the groups to the
/// rows, where `IS NOT DISTINCT FROM` would compare every group with every row.
#[derive(sqlx::FromRow)]
struct Group {
    cms: String,
    plugin_version: String,
    runtime_version: String,
    cms_version: String,
}

/// Stores `is_outdated` / `is_critical` as `policy::status::standing` says, per group.
async fn refresh_standing(pool: &PgPool) -> sqlx::Result<u64> {
    let releases = store::registry::releases(pool).await?;
    let groups: Vec<Group> = sqlx::query_as(
        "SELECT cms, plugin_version, COALESCE(runtime_version, '') AS runtime_version,
                COALESCE(cms_version, '') AS cms_version
         FROM plugin_installations GROUP BY 1, 2, 3, 4",
    )
    .fetch_all(pool)
    .await?;
    let (mut outdated, mut critical) = (Vec::new(), Vec::new());
    for g in &groups {
        let facts = InstallationFacts {
            installation_id: Uuid::nil(),
            merchant_id: Uuid::nil(),
            cms: g.cms.clone(),
            plugin_version: g.plugin_version.clone(),
            runtime_version: Some(g.runtime_version.clone()).filter(|v| !v.is_empty()),
            cms_version: Some(g.cms_version.clone()).filter(|v| !v.is_empty()),
        };
        let s = standing(&facts, &releases);
        outdated.push(s.outdated);
        critical.push(s.critical);
    }
    let cms: Vec<&str> = groups.iter().map(|g| g.cms.as_str()).collect();
    let plugin: Vec<&str> = groups.iter().map(|g| g.plugin_version.as_str()).collect();
    let runtime: Vec<&str> = groups.iter().map(|g| g.runtime_version.as_str()).collect();
    let cms_version: Vec<&str> = groups.iter().map(|g| g.cms_version.as_str()).collect();
    let done = sqlx::query(
        "UPDATE plugin_installations i
         SET is_outdated = g.outdated, is_critical = g.critical, updated_at = now()
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bool[], $6::bool[])
              AS g(cms, plugin_version, runtime_version, cms_version, outdated, critical)
         WHERE i.cms = g.cms AND i.plugin_version = g.plugin_version
           AND COALESCE(i.runtime_version, '') = g.runtime_version
           AND COALESCE(i.cms_version, '') = g.cms_version
           AND (i.is_outdated, i.is_critical) IS DISTINCT FROM (g.outdated, g.critical)",
    )
    .bind(&cms)
    .bind(&plugin)
    .bind(&runtime)
    .bind(&cms_version)
    .bind(&outdated)
    .bind(&critical)
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// Stores every status by `Status::of`: PostgreSQL derives each installation's flags
/// (facts of its row), the 32 combinations say which status each gets.
async fn refresh_statuses(pool: &PgPool, heartbeat_interval_secs: i32) -> sqlx::Result<u64> {
    let combos: Vec<Flags> = Flags::every_combination().collect();
    let column = |f: fn(&Flags) -> bool| combos.iter().map(f).collect::<Vec<bool>>();
    let statuses: Vec<&str> = combos.iter().map(|f| Status::of(*f).as_str()).collect();
    let stale_after_secs =
        f64::from(heartbeat_interval_secs) * f64::from(policy::status::STALE_AFTER_HEARTBEATS);
    let done = sqlx::query(
        "WITH facts AS (
             SELECT id,
                    uninstalled_at IS NOT NULL AND uninstalled_at >= last_heartbeat_at AS uninstalled,
                    is_blocked AS blocked,
                    last_heartbeat_at < now() - make_interval(secs => $1) AS stale,
                    error_rate > $2 AS failing,
                    is_outdated AS outdated
             FROM plugin_installations
         ),
         rule AS (
             SELECT * FROM unnest($3::bool[], $4::bool[], $5::bool[], $6::bool[], $7::bool[], $8::text[])
                 AS r(uninstalled, blocked, stale, failing, outdated, status)
         )
         UPDATE plugin_installations i SET status = rule.status, updated_at = now()
         FROM facts JOIN rule USING (uninstalled, blocked, stale, failing, outdated)
         WHERE i.id = facts.id AND i.status IS DISTINCT FROM rule.status",
    )
    .bind(stale_after_secs)
    .bind(policy::status::FAILING_ERROR_RATE_PERCENT)
    .bind(column(|f| f.uninstalled))
    .bind(column(|f| f.blocked))
    .bind(column(|f| f.stale))
    .bind(column(|f| f.failing))
    .bind(column(|f| f.outdated))
    .bind(&statuses)
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}
