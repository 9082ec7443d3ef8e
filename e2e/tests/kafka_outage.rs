//! The broker goes away under load and comes back. Plugins must get 503 with
//! Retry-After while Kafka cannot acknowledge (never a 202 for data that is not
//! durable), 202 again once it is back, and every heartbeat that got a 202 must be in
//! ClickHouse exactly once.
//!
//! Its own test binary: cargo runs test binaries one after another, so no other test
//! sees the outage.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use e2e::TestEnv;
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

#[derive(Default)]
struct Outcomes {
    accepted: Vec<String>,
    unavailable: usize,
    unavailable_without_retry_after: usize,
    other: Vec<(StatusCode, String)>,
}

fn record(outcomes: &Mutex<Outcomes>, reply: e2e::Reply) {
    let mut o = outcomes.lock().expect("lock");
    match reply.status {
        StatusCode::ACCEPTED => o.accepted.push(
            reply.body["event_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        ),
        StatusCode::SERVICE_UNAVAILABLE => {
            o.unavailable += 1;
            if reply.retry_after.is_none() || reply.code() != "kafka_unavailable" {
                o.unavailable_without_retry_after += 1;
            }
        }
        s => o.other.push((s, reply.body.to_string())),
    }
}

#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn a_broker_outage_gives_503_and_loses_no_accepted_heartbeat() {
    let env = Arc::new(TestEnv::connect().await);
    let m = Arc::new(env.merchant().await);
    let outcomes = Arc::new(Mutex::new(Outcomes::default()));
    let running = Arc::new(AtomicBool::new(true));

    // 8 plugins beating in a loop, each as fast as it is answered.
    let load: Vec<_> = (0..8)
        .map(|_| {
            let (env, m, outcomes, running) = (env.clone(), m.clone(), outcomes.clone(), running.clone());
            tokio::spawn(async move {
                let installation = Uuid::new_v4();
                while running.load(Ordering::Relaxed) {
                    let body = json!({"installation_id": installation, "cms": "woocommerce", "plugin_version": "1.3.5"});
                    let reply = env.heartbeat(&m.key, &body).await;
                    record(&outcomes, reply);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            })
        })
        .collect();

    tokio::time::sleep(Duration::from_secs(3)).await;
    let before_outage = outcomes.lock().expect("lock").accepted.len();
    assert!(before_outage > 0, "no heartbeat accepted before the outage");

    let broker_down = env.stop_stack("kafka");
    // Long enough for in-flight records to time out (INGEST_PRODUCE_TIMEOUT_MS = 5 s).
    tokio::time::sleep(Duration::from_secs(12)).await;
    let during = outcomes.lock().expect("lock").unavailable;
    assert!(during > 0, "no 503 while the broker was down");

    broker_down.end();
    let restarted = Instant::now();
    let accepted_at_restart = outcomes.lock().expect("lock").accepted.len();
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        if outcomes.lock().expect("lock").accepted.len() > accepted_at_restart + 50 {
            break;
        }
        assert!(
            restarted.elapsed() < Duration::from_secs(90),
            "ingest did not recover after the broker came back"
        );
    }
    running.store(false, Ordering::Relaxed);
    for t in load {
        t.await.expect("load task");
    }

    let o = std::mem::take(&mut *outcomes.lock().expect("lock"));
    assert!(
        o.other.is_empty(),
        "unexpected answers: {:?}",
        &o.other[..o.other.len().min(5)]
    );
    assert_eq!(
        o.unavailable_without_retry_after, 0,
        "every 503 carries Retry-After and kafka_unavailable"
    );
    let accepted: HashSet<&str> = o.accepted.iter().map(String::as_str).collect();
    assert_eq!(accepted.len(), o.accepted.len(), "event ids are unique");

    // Every 202 must arrive exactly once. Heartbeats that got a 503 may or may not
    // have landed (the plugin retries them), so compare by event id.
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let rows: Vec<(String, u64)> = env
            .clickhouse
            .query("SELECT toString(event_id), count() FROM heartbeats FINAL WHERE merchant_id = toUUID(?) GROUP BY event_id")
            .bind(m.id.to_string())
            .fetch_all()
            .await
            .expect("clickhouse");
        assert!(
            rows.iter().all(|(_, n)| *n == 1),
            "a heartbeat was stored twice"
        );
        let stored: HashSet<&str> = rows.iter().map(|(id, _)| id.as_str()).collect();
        let missing = accepted.iter().filter(|id| !stored.contains(*id)).count();
        if missing == 0 {
            println!(
                "accepted {} (before outage {before_outage}), 503 {}, stored {}",
                accepted.len(),
                o.unavailable,
                stored.len()
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{missing} of {} accepted heartbeats missing from ClickHouse",
            accepted.len()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
