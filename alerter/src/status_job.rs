//! The status job (the seed's markStalePlugins / mark-outdated): recomputes which
//! installations are blocked (by effective `block_plugin` toggles, resolved with
//! `policy::toggles` like ingest does) and then every status, by the one precedence
//! rule in PostgreSQL (`refresh_installation_status`). It runs on a schedule and at
//! once when toggles or the registry change (NOTIFY `plugin_config`) or an installation
//! reports its uninstallation (NOTIFY `installation_status`). A PostgreSQL
//! advisory lock makes sure two alerter instances never run it at the same time.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::Utc;
use policy::toggles::{effective, Scope, BLOCK_PLUGIN};
use policy::InstallationFacts;
use serde_json::Value;
use sqlx::postgres::PgListener;
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
    /// Error rate (percent of requests, last hour) above which an installation is in error.
    #[arg(long, env = "ALERTER_ERROR_RATE_THRESHOLD", default_value_t = policy::FAILING_ERROR_RATE_PERCENT)]
    pub error_rate_threshold: f64,
}

pub async fn run_forever(pool: PgPool, settings: StatusSettings) {
    let every = Duration::from_secs(settings.status_interval_secs.max(1));
    let mut listener = connect_listener(&pool).await;
    loop {
        match run_once(&pool, &settings).await {
            Ok(Some(changed)) => tracing::debug!(changed, "installation statuses refreshed"),
            Ok(None) => tracing::debug!("status job running elsewhere"),
            Err(e) => tracing::warn!(error = %e, "status job failed"),
        }
        // Wait for the next tick or a change, whichever comes first.
        match listener.as_mut() {
            Some(l) => {
                if let Ok(Err(e)) = tokio::time::timeout(every, l.recv()).await {
                    tracing::warn!(error = %e, "status job listener lost");
                    listener = connect_listener(&pool).await;
                }
            }
            None => {
                tokio::time::sleep(every).await;
                listener = connect_listener(&pool).await;
            }
        }
    }
}

async fn connect_listener(pool: &PgPool) -> Option<PgListener> {
    let mut l = PgListener::connect_with(pool).await.ok()?;
    l.listen_all(["plugin_config", "installation_status"])
        .await
        .ok()?;
    Some(l)
}

/// One pass under the advisory lock; None when another instance holds it.
pub async fn run_once(pool: &PgPool, s: &StatusSettings) -> sqlx::Result<Option<i32>> {
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
        sqlx::query_scalar("SELECT refresh_installation_status($1, $2::numeric)")
            .bind(s.heartbeat_interval_secs)
            .bind(s.error_rate_threshold)
            .fetch_one(pool)
            .await
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
