//! The config poll's cost: what a fleet of polling plugins asks of ingest. A plugin
//! polls `GET /api/v1/plugins/config` with `If-None-Match` every poll interval and,
//! while nothing changed, gets a 304. Measured as ingest's own CPU time per request
//! (utime + stime of its process, from /proc), against `/healthz` on the same
//! listener (same connection handling, no key, no answer to compute) in the same run;
//! the target is a 304 poll at most 2× the bare endpoint's CPU. From it: polls per
//! second one core serves, and how many cores a fleet of 1M installations polling every
//! 5 min needs (3,333 polls/s).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use e2e::TestEnv;
use uuid::Uuid;

use crate::report::Figure;

/// Installations a fleet of 1M polls every 5 min: polls per second.
const FLEET_POLLS_PER_SEC: f64 = 1_000_000.0 / 300.0;

/// ingest's CPU seconds so far (utime + stime), from /proc/<pid>/stat.
fn cpu_secs(pid: u32) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .ok_or_else(|| anyhow::anyhow!("unexpected /proc/{pid}/stat"))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| -> anyhow::Result<f64> {
        Ok(fields
            .get(i)
            .ok_or_else(|| anyhow::anyhow!("short /proc/{pid}/stat"))?
            .parse::<f64>()?)
    };
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the name.
    let hz = 100.0; // USER_HZ on Linux
    Ok((ticks(11)? + ticks(12)?) / hz)
}

/// One endpoint as the load generator asks it, and the status it must answer.
struct Request<'a> {
    url: &'a str,
    key: Option<&'a str>,
    etag: Option<&'a str>,
    want: u16,
}

/// A closed loop of `connections` clients for `secs`; (requests, ingest CPU seconds).
async fn load(
    client: &reqwest::Client,
    pid: u32,
    req: Request<'_>,
    connections: usize,
    secs: u64,
) -> anyhow::Result<(u64, f64)> {
    let Request {
        url,
        key,
        etag,
        want,
    } = req;
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(secs);
    let cpu_before = cpu_secs(pid)?;
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (client, url, done) = (client.clone(), url.to_owned(), done.clone());
        let (key, etag) = (key.map(str::to_owned), etag.map(str::to_owned));
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                let mut r = client.get(&url);
                if let Some(k) = &key {
                    r = r.bearer_auth(k);
                }
                if let Some(e) = &etag {
                    r = r.header("if-none-match", e);
                }
                let status = r.send().await.map(|r| r.status().as_u16())?;
                anyhow::ensure!(status == want, "{url} answered {status}, not {want}");
                done.fetch_add(1, Ordering::Relaxed);
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok((done.load(Ordering::Relaxed), cpu_secs(pid)? - cpu_before))
}

pub async fn run(env: &TestEnv, connections: usize, secs: u64) -> anyhow::Result<Vec<Figure>> {
    let pid: u32 = std::fs::read_to_string(env.root.join(".state/run/ingest.pid"))?
        .trim()
        .parse()?;
    let m = env.merchant().await;
    let installation = Uuid::new_v4();
    let poll = format!(
        "{}/api/v1/plugins/config?installation_id={installation}&cms=custom&plugin_version=1.0.0",
        env.ingest_url
    );
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .build()?;
    let first = client.get(&poll).bearer_auth(&m.key).send().await?;
    anyhow::ensure!(
        first.status().as_u16() == 200,
        "config poll answered {}",
        first.status()
    );
    let etag = first
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("the config poll sent no ETag"))?;

    let bare = format!("{}/healthz", env.ingest_url);
    let bare_request = Request {
        url: &bare,
        key: None,
        etag: None,
        want: 200,
    };
    let (bare_n, bare_cpu) = load(&client, pid, bare_request, connections, secs).await?;
    let poll_request = Request {
        url: &poll,
        key: Some(&m.key),
        etag: Some(&etag),
        want: 304,
    };
    let (poll_n, poll_cpu) = load(&client, pid, poll_request, connections, secs).await?;
    let per_request_us = |n: u64, cpu: f64| if n == 0 { 0.0 } else { cpu * 1e6 / n as f64 };
    let (bare_us, poll_us) = (
        per_request_us(bare_n, bare_cpu),
        per_request_us(poll_n, poll_cpu),
    );
    let polls_per_core = if poll_us > 0.0 { 1e6 / poll_us } else { 0.0 };
    let bare_per_core = if bare_us > 0.0 { 1e6 / bare_us } else { 0.0 };
    println!(
        "config poll: 304 {poll_us:.1} µs CPU/request ({poll_n} in {secs} s), /healthz {bare_us:.1} µs ({bare_n}); {polls_per_core:.0} polls/s per core"
    );
    let figure =
        |metric: &str, value: f64, unit, baseline_metric: &str, baseline: f64, target| Figure {
            scenario: "config-poll",
            metric: metric.into(),
            value,
            unit,
            baseline_metric: baseline_metric.into(),
            baseline,
            target,
        };
    Ok(vec![
        figure(
            "304 config poll, ingest CPU per request",
            poll_us,
            "µs",
            "/healthz, ingest CPU per request",
            bare_us,
            "≤ 2× the bare endpoint",
        ),
        figure(
            "304 config polls per second per core",
            polls_per_core,
            "polls/s",
            "/healthz requests per second per core",
            bare_per_core,
            "a 1M fleet at 5 min (3,333 polls/s) fits one core",
        ),
        figure(
            "cores for 1M installations polling every 5 min",
            if polls_per_core > 0.0 {
                FLEET_POLLS_PER_SEC / polls_per_core
            } else {
                0.0
            },
            "cores",
            "cores at the bare endpoint's cost",
            if bare_per_core > 0.0 {
                FLEET_POLLS_PER_SEC / bare_per_core
            } else {
                0.0
            },
            "≤ 1",
        ),
    ])
}
