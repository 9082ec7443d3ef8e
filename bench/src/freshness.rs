//! Freshness: at a steady load through ingest, how long from a heartbeat's 202 until it
//! is visible in its 1 min window, against how long until its raw row is visible.

use std::sync::Arc;
use std::time::{Duration, Instant};

use e2e::TestEnv;
use serde_json::json;
use uuid::Uuid;

use crate::report::{percentile, Figure};

async fn visible(env: &TestEnv, table: &str, installation: Uuid) -> bool {
    env.clickhouse
        .query(&format!(
            "SELECT count() FROM {table} WHERE installation_id = toUUID(?)"
        ))
        .bind(installation.to_string())
        .fetch_one::<u64>()
        .await
        .unwrap_or(0)
        > 0
}

pub async fn run(env: Arc<TestEnv>, rate: f64, secs: u64) -> anyhow::Result<Vec<Figure>> {
    let m = Arc::new(env.merchant().await);
    let fleet: Arc<Vec<Uuid>> = Arc::new((0..500).map(|_| Uuid::new_v4()).collect());

    // Background load.
    let load_env = env.clone();
    let load_m = m.clone();
    let load_fleet = fleet.clone();
    let load = tokio::spawn(async move {
        let started = Instant::now();
        let mut n: u64 = 0;
        let mut tasks = tokio::task::JoinSet::new();
        while started.elapsed() < Duration::from_secs(secs) {
            let due = started + Duration::from_secs_f64(n as f64 / rate);
            tokio::time::sleep_until(due.into()).await;
            let (env, m) = (load_env.clone(), load_m.clone());
            let body = json!({"installation_id": load_fleet[n as usize % load_fleet.len()], "cms": "woocommerce",
                              "plugin_version": "1.3.5", "requests_last_hour": 100, "errors_last_hour": 1});
            tasks.spawn(async move { env.heartbeat(&m.key, &body).await.status });
            while tasks.len() > 256 {
                tasks.join_next().await;
            }
            n += 1;
        }
        while tasks.join_next().await.is_some() {}
        n
    });

    // Probes: a fresh installation every 500 ms, timed to raw and to window.
    let mut to_raw = Vec::new();
    let mut to_window = Vec::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(secs) {
        let probe = Uuid::new_v4();
        let reply = env
            .heartbeat(
                &m.key,
                &json!({"installation_id": probe, "cms": "woocommerce", "plugin_version": "1.3.5"}),
            )
            .await;
        anyhow::ensure!(
            reply.status.as_u16() == 202,
            "probe refused: {:?}",
            reply.body
        );
        let accepted = Instant::now();
        let mut raw = None;
        loop {
            if raw.is_none() && visible(&env, "heartbeats FINAL", probe).await {
                raw = Some(accepted.elapsed().as_secs_f64());
            }
            // The window's parts, by primary key: the view would aggregate the whole
            // table on ClickHouse 18.16 and measure its own query instead.
            if visible(&env, "error_rate_1m_parts", probe).await {
                to_window.push(accepted.elapsed().as_secs_f64());
                to_raw.push(raw.unwrap_or_else(|| accepted.elapsed().as_secs_f64()));
                break;
            }
            anyhow::ensure!(
                accepted.elapsed() < Duration::from_secs(60),
                "probe never reached its window"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let sent = load.await?;
    println!(
        "freshness: {} probes under {sent} background heartbeats",
        to_window.len()
    );
    let (w50, w95) = (
        percentile(&mut to_window, 0.5),
        percentile(&mut to_window, 0.95),
    );
    let (r50, r95) = (percentile(&mut to_raw, 0.5), percentile(&mut to_raw, 0.95));
    Ok(vec![
        Figure {
            scenario: "freshness",
            metric: format!("accepted → 1 min window p50 at {rate} hb/s"),
            value: w50,
            unit: "s",
            baseline_metric: "accepted → raw row p50".into(),
            baseline: r50,
            target: "p95 ≤ 5 s",
        },
        Figure {
            scenario: "freshness",
            metric: format!("accepted → 1 min window p95 at {rate} hb/s"),
            value: w95,
            unit: "s",
            baseline_metric: "accepted → raw row p95".into(),
            baseline: r95,
            target: "≤ 5 s",
        },
    ])
}
