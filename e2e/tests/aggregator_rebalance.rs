//! Two aggregator instances in one consumer group split the partitions; a second
//! instance joining mid-stream and the first one dying (forcing rebalances) change no
//! final number.

use std::time::{Duration, Instant};

use e2e::fleet::{self, assert_matches_truth};
use e2e::kafka::{self, Producer};
use e2e::TestEnv;

const FIRST: &str = "http://127.0.0.1:9101/metrics";
const SECOND: &str = "http://127.0.0.1:9112/metrics";

#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn rebalances_mid_stream_change_no_number() {
    let env = TestEnv::connect().await;
    let m = env.merchant().await;
    let ds = fleet::generate(m.id, 300, 120, 3, chrono::Duration::hours(4), 13);
    let producer = Producer::new();
    let third = ds.heartbeats.len() / 3;
    producer.send(kafka::EVENTS, &ds.events).await;

    // The second instance joins; once it owns partitions, both write batches.
    let second_instance = env.extra_service("aggregator-2");
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut round = 0;
    loop {
        let start = (round * 1000).min(third);
        let end = ((round + 1) * 1000).min(third);
        if start < end {
            producer
                .send(kafka::HEARTBEATS, &ds.heartbeats[start..end])
                .await;
        }
        round += 1;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let second = env.metric(SECOND, "aggregator_batch_size_count").await;
        if second > 0.0 && end >= third {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the second instance never got a partition"
        );
    }
    let first = env.metric(FIRST, "aggregator_batch_size_count").await;
    assert!(
        first > 0.0,
        "the first instance wrote nothing once the second joined"
    );

    // The first instance dies mid-stream: the second takes every partition.
    producer
        .send(kafka::HEARTBEATS, &ds.heartbeats[third..2 * third])
        .await;
    let killed = env.stop_service("kill", "aggregator");
    producer
        .send(kafka::HEARTBEATS, &ds.heartbeats[2 * third..])
        .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    killed.end();

    assert_matches_truth(&env, &ds, Duration::from_secs(180)).await;
    env.wait_for_heartbeats(m.id, ds.heartbeats.len() as u64, Duration::from_secs(60))
        .await;
    second_instance.end();
}
