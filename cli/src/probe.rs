//! `ptctl probe`: one heartbeat through the whole pipeline (ingest → Kafka → aggregator
//! → ClickHouse and PostgreSQL), timed. Used by `dev/services up` to wait until the
//! pipeline is really flowing (a fresh consumer group takes seconds to join), and by
//! Ops as a smoke test after a deploy.

use std::time::{Duration, Instant};

use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, env = "INGEST_URL", default_value = "http://127.0.0.1:8080")]
    ingest_url: String,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 60)]
    timeout_secs: u64,
}

pub async fn run(pool: &PgPool, clickhouse: &clickhouse::Client, args: Args) -> anyhow::Result<()> {
    let merchant = store::merchants::create(pool, "Pipeline probe", None, "en").await?;
    let key = store::api_keys::create(pool, merchant, Some("probe")).await?;
    let installation = Uuid::new_v4();
    let deadline = Instant::now() + Duration::from_secs(args.timeout_secs);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    let url = format!(
        "{}/api/v1/plugins/heartbeat",
        args.ingest_url.trim_end_matches('/')
    );
    let started = Instant::now();

    // Ingest answers 503 until Kafka is reachable: retry until accepted.
    let event_id: Uuid = loop {
        let response = http
            .post(&url)
            .bearer_auth(&key.secret)
            .json(&json!({"installation_id": installation, "cms": "noncms", "plugin_version": "0.0.0-probe"}))
            .send()
            .await;
        match response {
            Ok(r) if r.status().as_u16() == 202 => {
                let body: serde_json::Value = r.json().await?;
                break body["event_id"].as_str().unwrap_or_default().parse()?;
            }
            Ok(r) => tracing::info!(status = r.status().as_u16(), "ingest not accepting yet"),
            Err(e) => tracing::info!(error = %e, "ingest not reachable yet"),
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "ingest did not accept a heartbeat within {}s",
            args.timeout_secs
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let accepted = started.elapsed();

    loop {
        let in_clickhouse: u64 = clickhouse
            .query("SELECT count() FROM heartbeats WHERE event_id = toUUID(?)")
            .bind(event_id.to_string())
            .fetch_one()
            .await
            .unwrap_or(0);
        let in_postgres: Option<i64> =
            sqlx::query_scalar("SELECT heartbeat_count FROM plugin_installations WHERE id = $1")
                .bind(installation)
                .fetch_optional(pool)
                .await?;
        if in_clickhouse > 0 && in_postgres.is_some() {
            break;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "heartbeat {event_id} accepted but not written within {}s (clickhouse rows: {in_clickhouse}, postgres: {})",
            args.timeout_secs,
            in_postgres.is_some()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    println!(
        "pipeline ok: accepted in {} ms, in ClickHouse and PostgreSQL after {} ms",
        accepted.as_millis(),
        started.elapsed().as_millis()
    );
    Ok(())
}
