//! Services a scenario does not measure, paused while it runs. In production the
//! aggregator, alerter and Ops API run on other hosts (Kafka buffers for them); here
//! their background work (fleet gauges, notification jobs on the dev clock, overview
//! recomputation) would take the shared cores from whatever is measured, and from
//! it only: its baseline does not share them.

use std::time::{Duration, Instant};

use e2e::TestEnv;

pub fn pause(env: &TestEnv, services: &[&str]) {
    for s in services {
        env.services(&["stop", s]);
    }
}

/// Starts them again and waits until the Ops API answers (later scenarios call it).
pub async fn resume(env: &TestEnv, services: &[&str]) -> anyhow::Result<()> {
    for s in services {
        env.services(&["start", s]);
    }
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !http
        .get(format!("{}/healthz", env.api_url))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
    {
        anyhow::ensure!(Instant::now() < deadline, "the Ops API did not come back");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(())
}
