//! Notice triggers that run on a schedule, under an advisory lock so two alerter
//! instances never both run them: escalation of unacknowledged notices (in-app →
//! e-mail → SMS) and the announcement of each new stable release to the installations
//! it leaves behind, by their merchants' preferences.

use std::time::Duration;

use sqlx::PgPool;
use store::notifications::Channel;

use super::settings::NotifySettings;

const ESCALATION_LOCK: i64 = 0x6573_6361_6c61; // "escala"
const ANNOUNCEMENT_LOCK: i64 = 0x616e_6e6f_756e; // "announ"

/// Two loops, so a long announcement (a release behind which a large fleet sits)
/// never delays escalation.
pub fn start(pool: PgPool, s: NotifySettings) {
    tokio::spawn(every(
        pool.clone(),
        s.clone(),
        ESCALATION_LOCK,
        "escalation",
    ));
    tokio::spawn(every(pool, s, ANNOUNCEMENT_LOCK, "announcement"));
}

async fn every(pool: PgPool, s: NotifySettings, lock: i64, job: &'static str) {
    let mut tick = tokio::time::interval(Duration::from_secs(s.jobs_interval_secs.max(1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = locked(&pool, lock, || run(&pool, &s, job)).await {
            tracing::warn!(job, error = %e, "notice job failed; retrying next pass");
        }
    }
}

async fn run(pool: &PgPool, s: &NotifySettings, job: &str) -> anyhow::Result<()> {
    if job == "escalation" {
        escalate(pool, s).await
    } else {
        announce_releases(pool, s).await
    }
}

/// Runs `f` holding the advisory lock `key`; skips when another instance holds it.
async fn locked<F, Fut>(pool: &PgPool, key: i64, f: F) -> anyhow::Result<()>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let mut conn = pool.acquire().await?;
    let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
        .bind(key)
        .fetch_one(&mut *conn)
        .await?;
    if !got {
        return Ok(());
    }
    let result = f().await;
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(key)
        .execute(&mut *conn)
        .await?;
    result
}

async fn escalate(pool: &PgPool, s: &NotifySettings) -> anyhow::Result<()> {
    for (channel, after) in [
        (Channel::Email, s.escalate_email_after_secs),
        (Channel::Sms, s.escalate_sms_after_secs),
    ] {
        let n =
            store::notifications::escalate(pool, channel, chrono::Duration::seconds(after)).await?;
        if n > 0 {
            tracing::info!(
                channel = channel.as_str(),
                notices = n,
                "unacknowledged notices escalated"
            );
        }
    }
    Ok(())
}

async fn announce_releases(pool: &PgPool, s: &NotifySettings) -> anyhow::Result<()> {
    let within = chrono::Duration::hours(s.announce_within_hours);
    let releases = store::notifications::unannounced_releases(pool, within).await?;
    if releases.is_empty() {
        return Ok(());
    }
    let registry = store::registry::releases(pool).await?;
    let throttle = chrono::Duration::seconds(s.throttle_secs);
    for (id, cms, version, recent) in releases {
        let mut written = 0;
        if recent {
            for g in store::notifications::behind_release(pool, id).await? {
                let facts = policy::InstallationFacts {
                    installation_id: uuid::Uuid::nil(),
                    merchant_id: uuid::Uuid::nil(),
                    cms: cms.clone(),
                    plugin_version: g.plugin_version.clone(),
                    runtime_version: g.runtime_version.clone(),
                    cms_version: g.cms_version.clone(),
                };
                // The advice may name a newer release than this one, or none (the
                // group's runtime is too old for it): the same rule plugins are told.
                if let Some(advice) = policy::advice::advise(&facts, &registry, false) {
                    written +=
                        store::notifications::announce_to_group(pool, &cms, &g, &advice, throttle)
                            .await?;
                }
            }
        }
        store::notifications::mark_announced(pool, id).await?;
        tracing::info!(%cms, %version, notices = written, recent, "release announced");
    }
    Ok(())
}
