//! Aggregator throughput: records produced while the aggregator is stopped, then the
//! time it takes to write them all (ClickHouse raw rows, windows and daily health, and
//! PostgreSQL installation state), against a plain consumer reading the same records
//! with no processing. Progress is read from the aggregator's own counter of records
//! written (cheap), not by querying ClickHouse while it works (those queries took the
//! same cores); ClickHouse is checked for every record once at the end. The alerter
//! and Ops API are paused meanwhile (see `isolation`).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use e2e::fleet;
use e2e::kafka::{self, Producer};
use e2e::TestEnv;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{ClientConfig, Message, Offset, TopicPartitionList};

use crate::isolation;
use crate::report::Figure;

fn consumer(group: &str) -> anyhow::Result<BaseConsumer> {
    Ok(ClientConfig::new()
        .set("bootstrap.servers", "127.0.0.1:9092")
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .create()?)
}

/// High watermarks of every heartbeat partition.
fn high_watermarks(c: &BaseConsumer) -> anyhow::Result<HashMap<i32, i64>> {
    let metadata = c.fetch_metadata(Some(kafka::HEARTBEATS), Duration::from_secs(5))?;
    let mut out = HashMap::new();
    for t in metadata.topics() {
        for p in t.partitions() {
            let (_, high) =
                c.fetch_watermarks(kafka::HEARTBEATS, p.id(), Duration::from_secs(5))?;
            out.insert(p.id(), high);
        }
    }
    Ok(out)
}

/// Reads [from, to) of every partition, doing nothing with the payloads: the baseline.
fn raw_consume(
    from: &HashMap<i32, i64>,
    to: &HashMap<i32, i64>,
) -> anyhow::Result<(usize, Duration)> {
    let c = consumer(&format!("bench-baseline-{}", uuid::Uuid::new_v4()))?;
    let mut list = TopicPartitionList::new();
    for (p, offset) in from {
        list.add_partition_offset(kafka::HEARTBEATS, *p, Offset::Offset(*offset))?;
    }
    c.assign(&list)?;
    let expected: i64 = to.iter().map(|(p, high)| high - from[p]).sum();
    let started = Instant::now();
    let mut read = 0usize;
    let mut bytes = 0usize;
    while (read as i64) < expected {
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(300),
            "baseline consumer stalled"
        );
        if let Some(Ok(m)) = c.poll(Duration::from_millis(500)) {
            if m.offset() < to[&m.partition()] {
                read += 1;
                bytes += m.payload().map_or(0, <[u8]>::len);
            }
        }
    }
    std::hint::black_box(bytes);
    Ok((read, started.elapsed()))
}

pub async fn run(
    env: &TestEnv,
    records: usize,
    per_installation: usize,
) -> anyhow::Result<Vec<Figure>> {
    isolation::while_paused(
        env,
        &["alerter", "api"],
        measure(env, records, per_installation),
    )
    .await
}

async fn measure(
    env: &TestEnv,
    records: usize,
    per_installation: usize,
) -> anyhow::Result<Vec<Figure>> {
    let per_installation = per_installation.clamp(1, records.max(1));
    let installations = (records / per_installation).max(1);
    let m = env.merchant().await;
    let span = chrono::Duration::hours(per_installation as i64);
    let ds = fleet::generate(m.id, installations, per_installation, 0, span, 5);
    let n = ds.heartbeats.len();

    let paused = env.stop_service("stop", "aggregator");
    let c = consumer("bench-watermarks")?;
    let before = high_watermarks(&c)?;
    let producer = Producer::new();
    let started = Instant::now();
    producer.send(kafka::HEARTBEATS, &ds.heartbeats).await;
    let produce_secs = started.elapsed().as_secs_f64();
    let after = high_watermarks(&c)?;
    let (read, baseline) =
        tokio::task::spawn_blocking(move || raw_consume(&before, &after)).await??;
    anyhow::ensure!(read >= n, "baseline read {read} of {n}");

    let started = Instant::now();
    paused.end();
    let deadline = started + Duration::from_secs(1800);
    let http = reqwest::Client::new();
    // (when, how many) at the first sight of written records.
    let mut first_written: Option<(Instant, u64)> = None;
    loop {
        let written = heartbeats_written(&http).await.unwrap_or(0);
        if written > 0 && first_written.is_none() {
            first_written = Some((Instant::now(), written));
        }
        if written as usize >= n {
            break;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "aggregator did not catch up ({written} of {n})"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let done = Instant::now();
    let total = done.duration_since(started).as_secs_f64();
    // The rate after the first batch(es) seen written: joining the group and the first
    // fetch are printed beside it, not mixed into it. A run written in one go (smoke)
    // falls back to the whole time.
    let (writing, counted) = match first_written {
        Some((at, w0)) if (w0 as usize) < n => {
            (done.duration_since(at).as_secs_f64(), n - w0 as usize)
        }
        _ => (total, n),
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let windows: u64 = env
            .clickhouse
            .query(
                "SELECT toUInt64(sum(heartbeats)) FROM error_rate_1m WHERE merchant_id = toUUID(?)",
            )
            .bind(m.id.to_string())
            .fetch_one()
            .await
            .unwrap_or(0);
        if windows as usize == n && env.clickhouse_rows(m.id).await as usize == n {
            break;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "ClickHouse does not hold the {n} records the aggregator reported written ({windows} in windows)"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // Repeated runs would otherwise pile up installations every later scenario scans.
    env.delete_installations(m.id).await?;
    println!("aggregator: {counted} of {n} records written in {writing:.1} s after the first batch ({total:.1} s for all from process start); baseline consume {read} in {:.2} s; produce {produce_secs:.1} s", baseline.as_secs_f64());
    Ok(vec![Figure {
        scenario: "aggregator",
        metric: format!("records/s Kafka → ClickHouse (raw + windows + daily) and PostgreSQL, {per_installation} per installation"),
        value: counted as f64 / writing,
        unit: "rec/s",
        baseline_metric: "raw consume, no processing".into(),
        baseline: read as f64 / baseline.as_secs_f64(),
        target: "≥ 200k rec/s",
    }])
}

/// Heartbeats the (restarted) aggregator has written to every sink, from its metrics.
async fn heartbeats_written(http: &reqwest::Client) -> anyhow::Result<u64> {
    let addr = std::env::var("AGGREGATOR_LISTEN_ADDR").unwrap_or_else(|_| "127.0.0.1:9101".into());
    let text = http
        .get(format!("http://{addr}/metrics"))
        .send()
        .await?
        .text()
        .await?;
    Ok(text
        .lines()
        .filter(|l| l.starts_with("aggregator_records_total{"))
        .filter(|l| {
            l.contains("outcome=\"written\"")
                && l.contains(&format!("topic=\"{}\"", kafka::HEARTBEATS))
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64)
}
