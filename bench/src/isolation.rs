//! Services a scenario does not measure, paused while it runs. In production the
//! aggregator, alerter and Ops API run on other hosts (Kafka buffers for them); here
//! their background work (fleet gauges, notification jobs on the dev clock, overview
//! recomputation) would take the shared cores from whatever is measured, and from
//! it only: its baseline does not share them.

use std::future::Future;
use std::time::{Duration, Instant};

use e2e::TestEnv;

/// Runs `scenario` (a future: nothing of it runs before the services are stopped) with
/// `services` stopped, then starts them again, whether it succeeded or not.
pub async fn while_paused<T>(
    env: &TestEnv,
    services: &[&str],
    scenario: impl Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<T> {
    // Each comes back when its guard ends, or drops if the scenario panics.
    let paused: Vec<e2e::Outage> = services
        .iter()
        .map(|s| env.stop_service("stop", s))
        .collect();
    let result = scenario.await;
    resume(env, paused).await?;
    result
}

/// Starts them again and waits until the Ops API answers (later scenarios call it).
async fn resume(env: &TestEnv, paused: Vec<e2e::Outage>) -> anyhow::Result<()> {
    for p in paused {
        p.end();
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
