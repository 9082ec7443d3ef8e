//! kill -9 of the aggregator at random points, ten times, while it works through 100k
//! records: after it catches up, every window, daily row and installation count equals
//! the truth. Its own test binary, so nothing else runs while the aggregator dies.

use std::time::Duration;

use e2e::fleet::{self, assert_matches_truth};
use e2e::kafka::{self, Producer};
use e2e::TestEnv;
use rand::Rng;

#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn ten_kill_9s_during_100k_records_change_no_number() {
    let env = TestEnv::connect().await;
    let m = env.merchant().await;
    let ds = fleet::generate(m.id, 500, 200, 2, chrono::Duration::hours(6), 11);
    assert_eq!(ds.heartbeats.len(), 100_000);
    let producer = Producer::new();
    producer.send(kafka::EVENTS, &ds.events).await;
    producer.send(kafka::HEARTBEATS, &ds.heartbeats).await;

    let mut mid_stream_kills = 0;
    for _ in 0..10 {
        let pause = rand::thread_rng().gen_range(300..2500);
        tokio::time::sleep(Duration::from_millis(pause)).await;
        let written = env.clickhouse_rows(m.id).await;
        let killed = env.stop_service("kill", "aggregator");
        if written > 0 && written < 100_000 {
            mid_stream_kills += 1;
        }
        killed.end();
    }
    assert!(
        mid_stream_kills > 0,
        "no kill landed while the batch was being processed"
    );

    assert_matches_truth(&env, &ds, Duration::from_secs(300)).await;
    env.wait_for_heartbeats(m.id, 100_000, Duration::from_secs(60))
        .await;
    let per_installation: Vec<i64> = sqlx::query_scalar(
        "SELECT heartbeat_count FROM plugin_installations WHERE merchant_id = $1",
    )
    .bind(m.id)
    .fetch_all(&env.pool)
    .await
    .expect("counts");
    assert_eq!(per_installation.len(), 500);
    assert!(
        per_installation.iter().all(|n| *n == 200),
        "an installation was counted twice or missed"
    );
}
