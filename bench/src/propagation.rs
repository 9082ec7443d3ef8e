//! Toggle propagation: from a toggle written (committed in PostgreSQL) to its presence
//! in the installation's heartbeat answer, p50/p95, against the round trip of one
//! heartbeat (the floor: a plugin cannot learn anything faster than it asks).

use std::time::{Duration, Instant};

use e2e::TestEnv;
use serde_json::json;
use store::audit::Actor;
use store::toggles::ScopeSpec;
use uuid::Uuid;

use crate::report::{percentile, Figure};

pub async fn run(env: &TestEnv, toggles: usize) -> anyhow::Result<Vec<Figure>> {
    let m = env.merchant().await;
    let installation = Uuid::new_v4();
    let hb = json!({"installation_id": installation, "cms": "custom", "plugin_version": "1.0.0"});
    anyhow::ensure!(
        env.heartbeat(&m.key, &hb).await.status.as_u16() == 202,
        "heartbeat refused"
    );
    env.wait_for_heartbeats(m.id, 1, Duration::from_secs(30))
        .await;
    let mut round_trips = Vec::new();
    let mut propagation = Vec::new();
    for i in 0..toggles {
        let started = Instant::now();
        env.heartbeat(&m.key, &hb).await;
        round_trips.push(started.elapsed().as_secs_f64() * 1000.0);
        let t = e2e::toggle(
            "bench_marker",
            json!(i),
            ScopeSpec::Installation(installation),
            "propagation benchmark",
            Some(chrono::Utc::now() + chrono::Duration::minutes(10)),
        );
        let id = store::toggles::create(
            &env.pool,
            &t,
            &Actor::new("bench"),
            chrono::Duration::days(1),
        )
        .await?;
        let written = Instant::now();
        loop {
            if env.heartbeat(&m.key, &hb).await.body["toggles"]["bench_marker"] == json!(i) {
                propagation.push(written.elapsed().as_secs_f64() * 1000.0);
                break;
            }
            anyhow::ensure!(
                written.elapsed() < Duration::from_secs(30),
                "toggle never propagated"
            );
        }
        store::toggles::revoke(&env.pool, id, "benchmark done", &Actor::new("bench")).await?;
    }
    let rtt = percentile(&mut round_trips, 0.5);
    Ok(vec![
        Figure {
            scenario: "toggles",
            metric: format!("toggle written → in the heartbeat answer, p50 ({toggles} toggles)"),
            value: percentile(&mut propagation, 0.5),
            unit: "ms",
            baseline_metric: "one heartbeat round trip p50".into(),
            baseline: rtt,
            target: "≤ 1 s",
        },
        Figure {
            scenario: "toggles",
            metric: format!("toggle written → in the heartbeat answer, p95 ({toggles} toggles)"),
            value: percentile(&mut propagation, 0.95),
            unit: "ms",
            baseline_metric: "one heartbeat round trip p50".into(),
            baseline: rtt,
            target: "≤ 1 s",
        },
    ])
}
