//! Ops API: p95 of the pages Ops open most (fleet overview, installation list pages
//! with and without filters, one installation's health) with a large fleet in
//! PostgreSQL and a month of daily health in ClickHouse, against `/healthz` of the same
//! server (same HTTP stack, no query) measured in the same run.
//!
//! The fleet is seeded under a merchant of its own and deleted afterwards.

use std::time::{Duration, Instant};

use e2e::TestEnv;
use reqwest::Method;
use serde::Serialize;
use store::agents::Role;
use uuid::Uuid;

use crate::isolation;
use crate::report::{percentile, Figure};

const HEALTH_DAYS: u32 = 30;

#[derive(clickhouse::Row, Serialize)]
struct DailyPart {
    #[serde(with = "clickhouse::serde::uuid")]
    installation_id: Uuid,
    day: u16,
    #[serde(with = "clickhouse::serde::uuid")]
    merchant_id: Uuid,
    segment: u64,
    cms: String,
    last_version: String,
    version_rank: u64,
    heartbeats: u32,
    expected_heartbeats: u32,
    requests: u64,
    errors: f64,
    error_events: u32,
    hours: Vec<u8>,
    versions_seen: Vec<String>,
    records: u32,
}

fn p95(mut v: Vec<f64>) -> f64 {
    percentile(&mut v, 0.95)
}

async fn seed_postgres(env: &TestEnv, merchant: Uuid, n: i64) -> anyhow::Result<()> {
    // Statuses and versions spread like a real fleet: most active, some outdated,
    // stale and failing; five CMSs; ten versions.
    sqlx::query(
        "INSERT INTO plugin_installations (id, merchant_id, cms, plugin_version, version_key, site_host,
             status, is_outdated, error_rate, requests_last_hour, errors_last_hour, heartbeat_count,
             first_seen_at, last_heartbeat_at)
         SELECT gen_random_uuid(), $1,
                (ARRAY['woocommerce','prestashop','magento','shopify','custom'])[1 + i % 5],
                '1.' || (i % 10) || '.0', ARRAY[1, i % 10, 0, 1],
                'shop' || i || '.bench.example',
                CASE WHEN i % 10 < 6 THEN 'active' WHEN i % 10 < 8 THEN 'outdated'
                     WHEN i % 10 < 9 THEN 'stale' ELSE 'error' END,
                i % 10 BETWEEN 6 AND 7, (i % 1000) / 100.0, 100, (i % 1000) / 100.0, 24,
                now() - interval '30 days', now() - make_interval(secs => i % 86400)
         FROM generate_series(1, $2) AS i",
    )
    .bind(merchant)
    .bind(n)
    .execute(&env.pool)
    .await?;
    sqlx::query("ANALYZE plugin_installations")
        .execute(&env.pool)
        .await?;
    Ok(())
}

async fn seed_clickhouse(env: &TestEnv, merchant: Uuid, sample: &[Uuid]) -> anyhow::Result<()> {
    let today = (chrono::Utc::now().timestamp() / 86_400) as u16;
    let mut insert = env.clickhouse.insert("daily_health_parts")?;
    for (k, id) in sample.iter().enumerate() {
        for d in 0..HEALTH_DAYS as u16 {
            insert
                .write(&DailyPart {
                    installation_id: *id,
                    day: today - d,
                    merchant_id: merchant,
                    segment: 0,
                    cms: "woocommerce".into(),
                    last_version: "1.3.5".into(),
                    version_rank: 1,
                    heartbeats: 24,
                    expected_heartbeats: 24,
                    requests: 2_400,
                    errors: (k % 50) as f64,
                    error_events: 0,
                    hours: (0..24).collect(),
                    versions_seen: vec!["1.3.5".into()],
                    records: 24,
                })
                .await?;
        }
    }
    insert.end().await?;
    Ok(())
}

/// Latencies (ms) of `requests` sequential GETs of `path`.
async fn latencies(
    env: &TestEnv,
    token: &str,
    path: &str,
    requests: usize,
) -> anyhow::Result<Vec<f64>> {
    let mut out = Vec::with_capacity(requests);
    for _ in 0..requests {
        let started = Instant::now();
        let r = env.api(Some(token), Method::GET, path, None).await;
        out.push(started.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(r.status.is_success(), "{path}: {} {}", r.status, r.body);
    }
    Ok(out)
}

pub async fn run(
    env: &TestEnv,
    installations: i64,
    requests: usize,
) -> anyhow::Result<Vec<Figure>> {
    // The Ops API is measured, its own background overview refresh included; the
    // alerter's fleet gauges over the same table are another service's work.
    isolation::while_paused(env, &["alerter"], measure(env, installations, requests)).await
}

/// Waits (up to a minute) until ClickHouse has merged the seeded health rows: a
/// month of health in production was merged long ago, and a query over unmerged
/// parts measures the seeding, not the API.
async fn merged(env: &TestEnv) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let _ = env
            .clickhouse
            .query("OPTIMIZE TABLE daily_health_parts")
            .execute()
            .await;
        let merging: u64 = env
            .clickhouse
            .query("SELECT count() FROM system.merges WHERE database = currentDatabase() AND table = 'daily_health_parts'")
            .fetch_one()
            .await?;
        if merging == 0 || Instant::now() > deadline {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn measure(
    env: &TestEnv,
    installations: i64,
    requests: usize,
) -> anyhow::Result<Vec<Figure>> {
    let merchant = store::merchants::create(&env.pool, "Ops API bench", None, "en").await?;
    let token = env.agent(Role::Viewer).await;
    let seeded = Instant::now();
    seed_postgres(env, merchant, installations).await?;
    let seed_secs = seeded.elapsed().as_secs_f64();
    let sample: Vec<Uuid> =
        sqlx::query_scalar("SELECT id FROM plugin_installations WHERE merchant_id = $1 LIMIT $2")
            .bind(merchant)
            .bind((installations / 100).clamp(10, 10_000))
            .fetch_all(&env.pool)
            .await?;
    seed_clickhouse(env, merchant, &sample).await?;
    merged(env).await?;
    eprintln!("ops api: seeded {installations} installations in {seed_secs:.1} s, {} × {HEALTH_DAYS} days of health", sample.len());

    // The overview's background computation over the whole table (what `as_of` lags by).
    let started = Instant::now();
    let summary = store::installations::fleet_summary(&env.pool).await?;
    let summary_ms = started.elapsed().as_secs_f64() * 1000.0;
    // Wait for the API's own refresh to include the seeded fleet.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let r = env
            .api(
                Some(&token),
                Method::GET,
                "/api/v1/plugins/stats/overview",
                None,
            )
            .await;
        if r.body["installations"].as_i64() >= Some(summary.installations) {
            break;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "overview never included the seeded fleet"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let baseline = p95(latencies(env, &token, "/healthz", requests).await?);
    let cursor = env
        .api(
            Some(&token),
            Method::GET,
            "/api/v1/plugins/list?limit=50",
            None,
        )
        .await
        .body["next_cursor"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let pages = [
        (
            "stats/overview",
            "/api/v1/plugins/stats/overview".to_owned(),
        ),
        (
            "list (first page, newest heartbeat)",
            "/api/v1/plugins/list?limit=50".to_owned(),
        ),
        (
            "list (next page by cursor)",
            format!("/api/v1/plugins/list?limit=50&cursor={cursor}"),
        ),
        (
            "list status=outdated",
            "/api/v1/plugins/list?status=outdated&limit=50".to_owned(),
        ),
        (
            "list cms+version",
            "/api/v1/plugins/list?cms=magento&version=1.2.0&limit=50".to_owned(),
        ),
        (
            "list worst error rate",
            "/api/v1/plugins/list?sort=error_rate&limit=50".to_owned(),
        ),
        (
            "list site search",
            "/api/v1/plugins/list?q=shop4242&limit=50".to_owned(),
        ),
        (
            "stats/health (30 days)",
            format!("/api/v1/plugins/stats/health/{}?days=30", sample[0]),
        ),
    ];
    let mut figures = Vec::new();
    for (name, path) in pages {
        let value = p95(latencies(env, &token, &path, requests).await?);
        figures.push(Figure {
            scenario: "ops api",
            metric: format!("{name} p95 at {installations} installations"),
            value,
            unit: "ms",
            baseline_metric: "GET /healthz p95 (same server)".into(),
            baseline,
            target: "≤ 50 ms",
        });
    }
    figures.push(Figure {
        scenario: "ops api",
        metric: format!(
            "overview recomputation (background) at {} installations",
            summary.installations
        ),
        value: summary_ms,
        unit: "ms",
        baseline_metric: "GET /healthz p95 (same server)".into(),
        baseline,
        target: "every API_STATS_REFRESH_SECS",
    });

    let started = Instant::now();
    env.delete_installations(merchant).await?;
    eprintln!(
        "ops api: bench fleet deleted in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(figures)
}
