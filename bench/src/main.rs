//! `bench`: measures the live pipeline and writes a report (Markdown + JSON) where every
//! figure stands beside a baseline measured in the same run.
//!
//! Scenarios:
//! - aggregator: records/s from Kafka to ClickHouse (raw rows and windows), versus the
//!   raw consume rate of the same records with no processing;
//! - freshness: heartbeat accepted by ingest → visible in its 1 min window, p50/p95 at a
//!   steady load, versus accepted → raw row visible;
//! - ingest: heartbeats/s at saturation and latency at half load through Kafka, versus
//!   a minimal endpoint with the same parsing and no Kafka; RSS at load;
//! - toggles: toggle written → present in a heartbeat answer, versus one round trip;
//! - ops api: p95 of the overview, list pages and health at a large fleet, versus
//!   `/healthz` of the same server;
//! - config-poll: ingest CPU per 304 config poll, versus `/healthz` on the same
//!   listener; polls per second per core and cores for a 1M fleet at 5 min.

mod aggregator;
mod config_poll;
mod freshness;
mod ingest;
mod isolation;
mod ops_api;
mod propagation;
mod report;

use clap::Parser;

#[derive(Parser)]
#[command(
    name = "bench",
    about = "Pipeline benchmarks against same-run baselines"
)]
struct Args {
    /// Tiny loads, seconds long: proves the benchmark still runs (part of dev/test).
    #[arg(long)]
    smoke: bool,
    /// Records for the aggregator scenario.
    #[arg(long, default_value_t = 200_000)]
    records: usize,
    /// Heartbeats per installation in the aggregator scenario (spread over as many
    /// hours: plugins beat hourly). Fewer means more installations for the same records.
    #[arg(long, default_value_t = 4)]
    per_installation: usize,
    /// Steady heartbeats/s for the freshness scenario.
    #[arg(long, default_value_t = 500.0)]
    rate: f64,
    /// Seconds of the freshness scenario.
    #[arg(long, default_value_t = 30)]
    duration_secs: u64,
    /// Installations seeded in PostgreSQL for the Ops API scenario.
    #[arg(long, default_value_t = 1_000_000)]
    installations: i64,
    /// Sequential requests per Ops API page measured.
    #[arg(long, default_value_t = 200)]
    api_requests: usize,
    /// Concurrency levels of the ingest load generator, comma-separated: saturation
    /// is the best of them, for ingest and baseline alike.
    #[arg(long, value_delimiter = ',', default_value = "64,256")]
    connections: Vec<usize>,
    /// Seconds of each ingest run (saturation and half load, ingest and baseline).
    #[arg(long, default_value_t = 15)]
    ingest_secs: u64,
    /// Toggles timed in the propagation scenario.
    #[arg(long, default_value_t = 30)]
    toggles: usize,
    /// Scenarios to run, comma-separated: ingest, aggregator, freshness, toggles, ops-api, config-poll.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "ingest,aggregator,freshness,toggles,ops-api,config-poll"
    )]
    scenarios: Vec<String>,
    /// Where report.md and report.json go.
    #[arg(long, default_value = "bench/out")]
    out: std::path::PathBuf,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let (records, rate, secs, installations, api_requests) = if args.smoke {
        (2_000, 50.0, 5, 2_000, 10)
    } else {
        (
            args.records,
            args.rate,
            args.duration_secs,
            args.installations,
            args.api_requests,
        )
    };
    let env = std::sync::Arc::new(e2e::TestEnv::connect().await);
    let mut figures = Vec::new();
    let wanted = |name: &str| args.scenarios.iter().any(|s| s == name);
    for s in &args.scenarios {
        anyhow::ensure!(
            ["ingest", "aggregator", "freshness", "toggles", "ops-api", "config-poll"]
                .contains(&s.as_str()),
            "unknown scenario {s:?}: ingest, aggregator, freshness, toggles, ops-api or config-poll"
        );
    }
    if wanted("ingest") {
        let (connections, secs) = if args.smoke {
            (vec![4], 2)
        } else {
            (args.connections.clone(), args.ingest_secs)
        };
        figures.extend(ingest::run(&env, &connections, secs).await?);
    }
    if wanted("aggregator") {
        figures.extend(aggregator::run(&env, records, args.per_installation).await?);
    }
    if wanted("freshness") {
        figures.extend(freshness::run(env.clone(), rate, secs).await?);
    }
    if wanted("toggles") {
        figures.extend(propagation::run(&env, if args.smoke { 3 } else { args.toggles }).await?);
    }
    if wanted("ops-api") {
        figures.extend(ops_api::run(&env, installations, api_requests).await?);
    }
    if wanted("config-poll") {
        let (connections, secs) = if args.smoke {
            (2, 1)
        } else {
            (16, args.ingest_secs)
        };
        figures.extend(config_poll::run(&env, connections, secs).await?);
    }
    report::write(&args.out, &figures, args.smoke)?;
    Ok(())
}
