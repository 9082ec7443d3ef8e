//! Ingest: heartbeats/s and latency through the real broker (acks=all) at saturation
//! and at half that rate, against a minimal axum endpoint that parses and validates
//! the same JSON (`schemas::heartbeat::HeartbeatRequest::parse`) and answers 202 with
//! no Kafka, driven by the same load generator in the same run. RSS of ingest at load.
//!
//! The load generator and the broker run on the same cores as ingest: the figures are
//! ratios for that reason. The aggregator, alerter and Ops API are paused for the
//! ingest runs (see `isolation`).
//! "Saturation" is the best of a closed loop at each of `connections` (one concurrency
//! level hides the capacity of an endpoint whose latency includes a broker round trip).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use e2e::TestEnv;
use serde_json::json;
use uuid::Uuid;

use crate::isolation;
use crate::report::{percentile, Figure};

const PATH: &str = "/api/v1/plugins/heartbeat";

/// The baseline: the same parse and validation, no authentication, no Kafka.
async fn baseline_server() -> anyhow::Result<SocketAddr> {
    let app = Router::new().route(
        PATH,
        post(|body: Bytes| async move {
            match schemas::heartbeat::HeartbeatRequest::parse(&body) {
                Ok(_) => (StatusCode::ACCEPTED, "{\"status\":\"accepted\"}"),
                Err(_) => (StatusCode::UNPROCESSABLE_ENTITY, "{}"),
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(addr)
}

struct Target {
    url: String,
    key: Arc<str>,
    bodies: Arc<Vec<String>>,
}

#[derive(Debug, Clone, Copy)]
struct Run {
    per_sec: f64,
    p50_ms: f64,
    p99_ms: f64,
}

/// Latencies recorded in microseconds, as a quantile in milliseconds.
fn quantile_ms(v: &[u32], q: f64) -> f64 {
    let mut ms: Vec<f64> = v.iter().map(|&us| f64::from(us) / 1000.0).collect();
    percentile(&mut ms, q)
}

/// Closed loop: `connections` clients send back to back for `secs`.
async fn saturate(
    client: &reqwest::Client,
    t: &Target,
    connections: usize,
    secs: u64,
) -> anyhow::Result<Run> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..connections {
        let (client, url, key, bodies) = (
            client.clone(),
            t.url.clone(),
            t.key.clone(),
            t.bodies.clone(),
        );
        tasks.spawn(async move {
            let mut lat = Vec::new();
            let mut refused = 0u64;
            let mut n = c;
            while Instant::now() < deadline {
                let sent = Instant::now();
                let ok = client
                    .post(&url)
                    .bearer_auth(&*key)
                    .header("content-type", "application/json")
                    .body(bodies[n % bodies.len()].clone())
                    .send()
                    .await
                    .is_ok_and(|r| r.status() == reqwest::StatusCode::ACCEPTED);
                if ok {
                    lat.push(sent.elapsed().as_micros().min(u32::MAX as u128) as u32);
                } else {
                    refused += 1;
                }
                n += connections;
            }
            (lat, refused)
        });
    }
    let mut all = Vec::new();
    let mut refused = 0;
    while let Some(r) = tasks.join_next().await {
        let (lat, bad) = r?;
        all.extend(lat);
        refused += bad;
    }
    anyhow::ensure!(
        refused * 100 <= all.len() as u64 + 1,
        "{refused} requests refused at saturation"
    );
    let per_sec = all.len() as f64 / started.elapsed().as_secs_f64();
    Ok(Run {
        per_sec,
        p50_ms: quantile_ms(&all, 0.5),
        p99_ms: quantile_ms(&all, 0.99),
    })
}

/// Open loop: requests started at `rate` per second for `secs`, whatever the answers.
async fn paced(client: &reqwest::Client, t: &Target, rate: f64, secs: u64) -> anyhow::Result<Run> {
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let mut n: u64 = 0;
    let mut lat = Vec::new();
    while started.elapsed() < Duration::from_secs(secs) {
        let due = started + Duration::from_secs_f64(n as f64 / rate);
        tokio::time::sleep_until(due.into()).await;
        let (client, url, key, body) = (
            client.clone(),
            t.url.clone(),
            t.key.clone(),
            t.bodies[n as usize % t.bodies.len()].clone(),
        );
        tasks.spawn(async move {
            let sent = Instant::now();
            let ok = client
                .post(&url)
                .bearer_auth(&*key)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .is_ok_and(|r| r.status() == reqwest::StatusCode::ACCEPTED);
            ok.then(|| sent.elapsed().as_micros().min(u32::MAX as u128) as u32)
        });
        while tasks.len() > 2048 {
            if let Some(Ok(Some(l))) = tasks.join_next().await {
                lat.push(l);
            }
        }
        n += 1;
    }
    while let Some(r) = tasks.join_next().await {
        if let Ok(Some(l)) = r {
            lat.push(l);
        }
    }
    Ok(Run {
        per_sec: lat.len() as f64 / started.elapsed().as_secs_f64(),
        p50_ms: quantile_ms(&lat, 0.5),
        p99_ms: quantile_ms(&lat, 0.99),
    })
}

fn rss_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// The best run of a closed loop over the concurrency levels.
async fn saturate_best(
    client: &reqwest::Client,
    t: &Target,
    connections: &[usize],
    secs: u64,
) -> anyhow::Result<(usize, Run)> {
    let mut best: Option<(usize, Run)> = None;
    for &c in connections {
        let run = saturate(client, t, c, secs).await?;
        if best.is_none_or(|(_, b)| run.per_sec > b.per_sec) {
            best = Some((c, run));
        }
    }
    best.ok_or_else(|| anyhow::anyhow!("no concurrency level given"))
}

pub async fn run(env: &TestEnv, connections: &[usize], secs: u64) -> anyhow::Result<Vec<Figure>> {
    isolation::while_paused(
        env,
        &["aggregator", "alerter", "api"],
        measure(env, connections, secs),
    )
    .await
}

async fn measure(env: &TestEnv, connections: &[usize], secs: u64) -> anyhow::Result<Vec<Figure>> {
    let m = env.merchant().await;
    let bodies: Arc<Vec<String>> = Arc::new(
        (0..5_000)
            .map(|i| {
                json!({"installation_id": Uuid::new_v4(), "merchant_id": m.id, "cms": "woocommerce",
                       "plugin_version": "1.3.5", "sdk_language": "php", "site_host": format!("bench-{i}.example"),
                       "environment": "production", "cms_version": "6.4", "runtime_version": "8.2.12",
                       "requests_last_hour": 1200, "errors_last_hour": 3, "last_error_code": "card_declined"})
                .to_string()
            })
            .collect(),
    );
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(connections.iter().copied().max().unwrap_or(1))
        .timeout(Duration::from_secs(30))
        .build()?;
    let baseline_addr = baseline_server().await?;
    let ingest = Target {
        url: format!("{}{PATH}", env.ingest_url),
        key: m.key.clone().into(),
        bodies: bodies.clone(),
    };
    let baseline = Target {
        url: format!("http://{baseline_addr}{PATH}"),
        key: m.key.clone().into(),
        bodies,
    };
    let pid: u32 = std::fs::read_to_string(env.root.join(".state/run/ingest.pid"))?
        .trim()
        .parse()?;
    let idle_rss = rss_mb(pid);

    let (base_connections, base_sat) = saturate_best(&client, &baseline, connections, secs).await?;
    let rss_peak = Arc::new(std::sync::Mutex::new(0.0f64));
    let sampler = {
        let peak = rss_peak.clone();
        tokio::spawn(async move {
            loop {
                let r = rss_mb(pid);
                {
                    let mut p = peak.lock().unwrap_or_else(|e| e.into_inner());
                    *p = p.max(r);
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        })
    };
    let (best_connections, sat) = saturate_best(&client, &ingest, connections, secs).await?;
    sampler.abort();
    let half = sat.per_sec / 2.0;
    let ingest_half = paced(&client, &ingest, half, secs).await?;
    let base_half = paced(&client, &baseline, half, secs).await?;
    let rss = *rss_peak.lock().unwrap_or_else(|e| e.into_inner());
    println!(
        "ingest: saturation {:.0}/s at {best_connections} connections (baseline {:.0}/s at {base_connections}); at {half:.0}/s p50 {:.1} ms p99 {:.1} ms (baseline p99 {:.1} ms); RSS {rss:.0} MB",
        sat.per_sec, base_sat.per_sec, ingest_half.p50_ms, ingest_half.p99_ms, base_half.p99_ms
    );
    let fig =
        |metric: String, value: f64, unit, baseline_metric: String, baseline: f64, target| Figure {
            scenario: "ingest",
            metric,
            value,
            unit,
            baseline_metric,
            baseline,
            target,
        };
    Ok(vec![
        fig(
            format!("heartbeats/s at saturation (best of {connections:?} connections: {best_connections}; Kafka acks=all)"),
            sat.per_sec,
            "hb/s",
            format!("minimal axum endpoint, same parse, no Kafka (best at {base_connections})"),
            base_sat.per_sec,
            "≥ 0.5× baseline and ≥ 50k hb/s",
        ),
        fig(
            format!("p99 at half load ({half:.0} hb/s)"),
            ingest_half.p99_ms,
            "ms",
            "minimal endpoint p99 at the same rate".into(),
            base_half.p99_ms,
            "< 10 ms",
        ),
        fig(
            format!("p50 at half load ({half:.0} hb/s)"),
            ingest_half.p50_ms,
            "ms",
            "minimal endpoint p50 at the same rate".into(),
            base_half.p50_ms,
            "",
        ),
        fig(
            "RSS of ingest at saturation".into(),
            rss,
            "MB",
            "RSS of ingest idle".into(),
            idle_rss,
            "≤ 100 MB",
        ),
    ])
}
