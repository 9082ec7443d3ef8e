//! The fleet simulator: creates demo merchants and keys, then sends realistic
//! heartbeats for N installations (CMS mix, version spread, a few failing shops) to
//! ingest at a chosen rate, printing throughput and latency as it goes.
//! The demo (`dev/up`) and the benchmarks drive the system with it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use sqlx::PgPool;
use tokio::sync::Semaphore;
use uuid::Uuid;

#[derive(clap::Args)]
pub struct Args {
    /// Ingest base URL.
    #[arg(long, env = "INGEST_URL", default_value = "http://127.0.0.1:8080")]
    ingest_url: String,
    /// Demo merchants to create (each gets one API key).
    #[arg(long, default_value_t = 10)]
    merchants: usize,
    /// Simulated installations, spread over the merchants.
    #[arg(long, default_value_t = 1000)]
    installations: usize,
    /// Heartbeats per second in total; 0 sends as fast as the concurrency allows.
    #[arg(long, default_value_t = 50.0)]
    rate: f64,
    /// Requests in flight at most.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Stop after this many seconds (0: run until Ctrl-C or --max-requests).
    #[arg(long, default_value_t = 0)]
    duration_secs: u64,
    /// Stop after this many requests (0: no limit).
    #[arg(long, default_value_t = 0)]
    max_requests: u64,
    /// Share of installations that send the legacy body (no installation_id).
    #[arg(long, default_value_t = 0.2)]
    legacy_share: f64,
    /// Seed of the fleet's random shape, so runs are comparable.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Seconds between progress lines.
    #[arg(long, default_value_t = 5)]
    report_every_secs: u64,
}

/// CMS mix and the versions in the field, newest first (the original contract's registry).
const FLEET: &[(&str, f64, &[&str])] = &[
    ("woocommerce", 0.55, &["1.3.5", "1.3.0", "1.2.0"]),
    ("prestashop", 0.20, &["2.1.0", "2.0.3", "1.9.8"]),
    ("magento", 0.12, &["1.4.2", "1.4.0", "1.2.1"]),
    ("shopify", 0.10, &["3.0.2", "3.0.0", "2.7.1"]),
    ("noncms", 0.03, &["0.9.0", "0.8.4"]),
];

struct Installation {
    id: Uuid,
    key: Arc<str>,
    merchant_id: Uuid,
    legacy: bool,
    cms: &'static str,
    version: &'static str,
    host: String,
    error_share: f64,
}

fn build_fleet(
    rng: &mut StdRng,
    keys: &[(Uuid, Arc<str>)],
    n: usize,
    legacy_share: f64,
) -> Vec<Installation> {
    (0..n)
        .map(|i| {
            let (merchant_id, key) = &keys[i % keys.len()];
            let mut pick = rng.gen::<f64>();
            let (cms, _, versions) = FLEET
                .iter()
                .find(|(_, share, _)| {
                    pick -= share;
                    pick <= 0.0
                })
                .unwrap_or(&FLEET[0]);
            // 60 % on the newest version, 25 % one behind, the rest older.
            let v = rng.gen::<f64>();
            let idx = if v < 0.6 {
                0
            } else if v < 0.85 {
                1
            } else {
                versions.len() - 1
            };
            // 4 % of shops are failing (5-25 % errors); the rest are healthy. Every 25th
            // rather than a 4 % draw: a small fleet always has a failing shop (a draw
            // left 60 installations without one in 9 % of runs, and the dashboards'
            // error panels empty).
            let error_share = if i % 25 == 0 {
                rng.gen_range(0.05..0.25)
            } else {
                rng.gen_range(0.0..0.02)
            };
            let host = format!("shop-{i}.example");
            Installation {
                // The id ingest derives for a legacy body: the same for both kinds, and
                // new with each run's merchants (a seeded random id repeated the first
                // run's ids under the next run's merchants, and PostgreSQL rightly
                // refused to move them).
                id: schemas::installation::derive_installation_id(*merchant_id, Some(&host), cms),
                key: key.clone(),
                merchant_id: *merchant_id,
                legacy: rng.gen::<f64>() < legacy_share,
                cms,
                version: versions[idx],
                host,
                error_share,
            }
        })
        .collect()
}

fn body(inst: &Installation, rng: &mut impl Rng) -> Value {
    let requests: u64 = rng.gen_range(20..2000);
    let errors = (requests as f64 * inst.error_share).round();
    if inst.legacy {
        return json!({
            "merchant_id": inst.merchant_id, "cms": inst.cms, "plugin_version": inst.version,
            "sdk_language": "php", "errors_last_hour": errors,
        });
    }
    json!({
        "installation_id": inst.id, "merchant_id": inst.merchant_id, "cms": inst.cms,
        "plugin_version": inst.version, "sdk_language": "php", "site_host": inst.host,
        "environment": "production", "cms_version": "6.4", "runtime_version": "8.2.12",
        "requests_last_hour": requests, "errors_last_hour": errors,
        "last_error_code": if errors > 0.0 { Some("card_declined") } else { None },
        "server_info": {"server_software": "Apache/2.4.57", "memory_limit": "256M"},
        "sent_at": chrono::Utc::now().to_rfc3339(),
    })
}

/// Error codes a failing shop reports as events (the events by code in dashboards).
const ERROR_CODES: &[&str] = &["card_declined", "gateway_timeout", "invalid_signature"];

/// An `error` event for an installation that reports errors (plugins send them as
/// they happen; one beside some heartbeats is enough for a realistic mix).
fn error_event(inst: &Installation, rng: &mut impl Rng) -> Option<Value> {
    if inst.legacy || inst.error_share < 0.02 || rng.gen::<f64>() > 0.3 {
        return None;
    }
    Some(json!({
        "event_id": uuid::Builder::from_random_bytes(rng.gen()).into_uuid(),
        "type": "error", "installation_id": inst.id, "cms": inst.cms,
        "plugin_version": inst.version, "site_host": inst.host,
        "error_code": ERROR_CODES[rng.gen_range(0..ERROR_CODES.len())],
        "occurred_at": chrono::Utc::now().to_rfc3339(),
    }))
}

#[derive(Default)]
struct Stats {
    sent: AtomicU64,
    accepted: AtomicU64,
    rejected: AtomicU64,
    failed: AtomicU64,
    latencies_us: Mutex<Vec<u32>>,
}

impl Stats {
    fn record(&self, outcome: Result<u16, ()>, elapsed: Duration) {
        match outcome {
            Ok(202) => self.accepted.fetch_add(1, Ordering::Relaxed),
            Ok(_) => self.rejected.fetch_add(1, Ordering::Relaxed),
            Err(()) => self.failed.fetch_add(1, Ordering::Relaxed),
        };
        let us = elapsed.as_micros().min(u128::from(u32::MAX)) as u32;
        self.latencies_us
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(us);
    }

    /// Takes this interval's latencies and returns (count, p50 ms, p99 ms).
    fn drain_latencies(&self, all: &mut Vec<u32>) -> (usize, f64, f64) {
        let mut v =
            std::mem::take(&mut *self.latencies_us.lock().unwrap_or_else(|p| p.into_inner()));
        let out = percentiles(&mut v);
        all.extend(v);
        out
    }
}

fn percentiles(v: &mut [u32]) -> (usize, f64, f64) {
    if v.is_empty() {
        return (0, 0.0, 0.0);
    }
    v.sort_unstable();
    let at = |q: f64| f64::from(v[((v.len() - 1) as f64 * q).round() as usize]) / 1000.0;
    (v.len(), at(0.50), at(0.99))
}

pub async fn run(pool: &PgPool, args: Args) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.merchants > 0 && args.installations > 0,
        "need at least one merchant and installation"
    );
    let mut keys = Vec::with_capacity(args.merchants);
    let run_tag = &Uuid::new_v4().to_string()[..8];
    for i in 0..args.merchants {
        let merchant =
            store::merchants::create(pool, &format!("Demo Shop {i} ({run_tag})"), None, "en")
                .await?;
        let key = store::api_keys::create(pool, merchant, Some("simulator")).await?;
        keys.push((merchant, Arc::<str>::from(key.secret)));
    }
    let mut rng = StdRng::seed_from_u64(args.seed);
    let fleet = Arc::new(build_fleet(
        &mut rng,
        &keys,
        args.installations,
        args.legacy_share,
    ));
    println!(
        "simulating {} installations of {} merchants → {} at {} heartbeats/s",
        fleet.len(),
        keys.len(),
        args.ingest_url,
        if args.rate > 0.0 {
            args.rate.to_string()
        } else {
            "max".into()
        }
    );

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .timeout(Duration::from_secs(30))
        .build()?;
    let url: Arc<str> = format!(
        "{}/api/v1/plugins/heartbeat",
        args.ingest_url.trim_end_matches('/')
    )
    .into();
    let event_url: Arc<str> = format!(
        "{}/api/v1/plugins/event",
        args.ingest_url.trim_end_matches('/')
    )
    .into();
    let stats = Arc::new(Stats::default());
    let permits = Arc::new(Semaphore::new(args.concurrency));
    let started = Instant::now();
    let deadline =
        (args.duration_secs > 0).then(|| started + Duration::from_secs(args.duration_secs));
    let mut all_latencies = Vec::new();
    let mut last_report = Instant::now();
    let mut last_sent = 0;
    let mut n: u64 = 0;
    let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());

    loop {
        if deadline.is_some_and(|d| Instant::now() >= d)
            || (args.max_requests > 0 && n >= args.max_requests)
        {
            break;
        }
        if args.rate > 0.0 {
            let due = started + Duration::from_secs_f64(n as f64 / args.rate);
            tokio::select! {
                _ = tokio::time::sleep_until(due.into()) => {}
                _ = &mut ctrl_c => break,
            }
        }
        let permit = permits.clone().acquire_owned().await?;
        let inst = &fleet[(n as usize) % fleet.len()];
        let payload = body(inst, &mut rng).to_string();
        let event = error_event(inst, &mut rng).map(|e| e.to_string());
        let (client, url, event_url, key, task_stats) = (
            client.clone(),
            url.clone(),
            event_url.clone(),
            inst.key.clone(),
            stats.clone(),
        );
        stats.sent.fetch_add(1, Ordering::Relaxed);
        tokio::spawn(async move {
            let t = Instant::now();
            let outcome = client
                .post(&*url)
                .header("content-type", "application/json")
                .bearer_auth(&*key)
                .body(payload)
                .send()
                .await
                .map(|r| r.status().as_u16())
                .map_err(|_| ());
            task_stats.record(outcome, t.elapsed());
            if let Some(event) = event {
                // Not counted in the heartbeat figures; a refused event is not retried.
                let _ = client
                    .post(&*event_url)
                    .header("content-type", "application/json")
                    .bearer_auth(&*key)
                    .body(event)
                    .send()
                    .await;
            }
            drop(permit);
        });
        n += 1;
        if last_report.elapsed() >= Duration::from_secs(args.report_every_secs) {
            let (count, p50, p99) = stats.drain_latencies(&mut all_latencies);
            let sent = stats.sent.load(Ordering::Relaxed);
            println!(
                "sent {sent} ({:.0}/s) accepted {} rejected {} failed {} | last {count}: p50 {p50:.1} ms p99 {p99:.1} ms",
                (sent - last_sent) as f64 / last_report.elapsed().as_secs_f64(),
                stats.accepted.load(Ordering::Relaxed),
                stats.rejected.load(Ordering::Relaxed),
                stats.failed.load(Ordering::Relaxed),
            );
            last_sent = sent;
            last_report = Instant::now();
        }
    }
    // Let in-flight requests finish.
    let _ = permits.acquire_many(args.concurrency as u32).await?;
    let elapsed = started.elapsed().as_secs_f64();
    stats.drain_latencies(&mut all_latencies);
    let (count, p50, p99) = percentiles(&mut all_latencies);
    let accepted = stats.accepted.load(Ordering::Relaxed);
    println!(
        "done: {count} requests in {elapsed:.1} s, accepted {accepted} ({:.0} heartbeats/s), rejected {}, failed {}, p50 {p50:.1} ms, p99 {p99:.1} ms",
        accepted as f64 / elapsed,
        stats.rejected.load(Ordering::Relaxed),
        stats.failed.load(Ordering::Relaxed),
    );
    Ok(())
}
