//! Windows, daily health and events against the truth, with out-of-order, duplicate,
//! late and poison records, through the live Kafka → aggregator → ClickHouse path.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::Utc;
use e2e::fleet::{self, assert_matches_truth, DayTruth};
use e2e::kafka::{self, Producer};
use e2e::TestEnv;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::{Headers, Message};
use reqwest::StatusCode;
use schemas::window::Window;
use serde_json::json;
use uuid::Uuid;

#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn windows_and_daily_health_equal_the_truth() {
    let env = TestEnv::connect().await;
    let m = env.merchant().await;
    let ds = fleet::generate(m.id, 40, 60, 15, chrono::Duration::hours(3), 7);
    let producer = Producer::new();
    // Out of order: the second half of the heartbeats first, and events in between.
    let half = ds.heartbeats.len() / 2;
    producer
        .send(kafka::HEARTBEATS, &ds.heartbeats[half..])
        .await;
    producer.send(kafka::EVENTS, &ds.events).await;
    producer
        .send(kafka::HEARTBEATS, &ds.heartbeats[..half])
        .await;
    producer.send(kafka::EVENTS, &ds.duplicates).await;

    assert_matches_truth(&env, &ds, Duration::from_secs(90)).await;
    env.wait_for_heartbeats(m.id, ds.heartbeats.len() as u64, Duration::from_secs(30))
        .await;
    the_ops_apis_health_equals_the_truth(&env, &ds).await;
    let events: u64 = env
        .clickhouse
        .query("SELECT count() FROM events FINAL WHERE merchant_id = toUUID(?)")
        .bind(m.id.to_string())
        .fetch_one()
        .await
        .expect("events");
    assert_eq!(
        events,
        ds.events.len() as u64,
        "duplicates collapse on event_id"
    );
    assert!(!ds.duplicates.is_empty());
}

/// `store::health::plugin_health` (the Ops API's health page) reads the segment rows
/// its own way (newest version per segment, no FINAL): each installation's days must
/// equal the truth too.
async fn the_ops_apis_health_equals_the_truth(env: &TestEnv, ds: &fleet::Dataset) {
    let truth = fleet::daily_truth(ds);
    let installations: BTreeSet<Uuid> = truth.keys().map(|(i, _)| *i).collect();
    for installation in installations {
        let rows = store::health::plugin_health(&env.clickhouse, ds.merchant, installation, 3)
            .await
            .expect("plugin_health");
        let got: BTreeMap<(Uuid, i64), DayTruth> = rows
            .into_iter()
            .map(|d| {
                let day = chrono::NaiveDate::parse_from_str(&d.day, "%Y-%m-%d")
                    .expect("day")
                    .and_hms_opt(0, 0, 0)
                    .expect("midnight")
                    .and_utc()
                    .timestamp();
                let truth = DayTruth {
                    heartbeats: d.heartbeats,
                    requests: d.requests,
                    errors: d.errors,
                    error_events: d.error_events,
                    hours: (d.uptime_share * 24.0).round() as u64,
                    versions: d.versions_seen,
                    last_version: d.last_version,
                };
                ((installation, day), truth)
            })
            .collect();
        let want: BTreeMap<(Uuid, i64), DayTruth> = truth
            .iter()
            .filter(|((i, _), _)| *i == installation)
            .map(|(k, v)| (*k, v.clone()))
            .collect();
        assert_eq!(got, want, "store::health::plugin_health of {installation}");
    }
}

#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn a_late_record_counts_in_the_windows_users_read() {
    let env = TestEnv::connect().await;
    let m = env.merchant().await;
    let before = env
        .metric(
            "http://127.0.0.1:9101/metrics",
            "aggregator_late_records_total{window=\"1m\"}",
        )
        .await;
    let (queued, stale) = (Uuid::new_v4(), Uuid::new_v4());
    // Defect (issue 16.13): both of these used to count in no window at all.
    // Sent 40 minutes ago (a plugin that queued it), received now: its own minute.
    let sent = Utc::now() - chrono::Duration::minutes(40);
    // A clock a day slow: counted at the oldest moment still open (received − lateness).
    let far = Utc::now() - chrono::Duration::hours(23);
    for (installation, at) in [(queued, sent), (stale, far)] {
        let reply = env
            .heartbeat(
                &m.key,
                &json!({"installation_id": installation, "cms": "shopify", "plugin_version": "3.0.2",
                        "requests_last_hour": 10, "errors_last_hour": 1, "sent_at": at.to_rfc3339()}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::ACCEPTED);
    }
    env.wait_for_heartbeats(m.id, 2, Duration::from_secs(10))
        .await;
    let lateness = 7200; // AGGREGATOR_ALLOWED_LATENESS_SECS's default
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let minutes = fleet::window_rows(&env, "error_rate_1m", m.id).await;
        // The sizes are written one after another: wait for the last one too.
        let hours = fleet::window_rows(&env, "error_rate_1h", m.id).await;
        if minutes.len() == 2 && hours.values().map(|w| w.heartbeats).sum::<u64>() == 2 {
            let queued_minute = Window::OneMinute.start(sent.timestamp());
            assert!(
                minutes.contains_key(&(queued, queued_minute)),
                "{minutes:?}"
            );
            let (_, stale_minute) = minutes
                .keys()
                .find(|(i, _)| *i == stale)
                .copied()
                .expect("the stale clock's heartbeat is in a window");
            let oldest_open = Utc::now().timestamp() - lateness;
            assert!(
                (stale_minute - oldest_open).abs() < 120,
                "counted at {stale_minute}, the oldest open minute is ~{oldest_open}"
            );
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{minutes:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for table in ["error_rate_5m", "error_rate_1h"] {
        let rows = fleet::window_rows(&env, table, m.id).await;
        let heartbeats: u64 = rows.values().map(|w| w.heartbeats).sum();
        assert_eq!(heartbeats, 2, "{table}: {rows:?}");
    }
    let after = env
        .metric(
            "http://127.0.0.1:9101/metrics",
            "aggregator_late_records_total{window=\"1m\"}",
        )
        .await;
    assert!(
        after > before,
        "the moved record was not counted ({before} → {after})"
    );
}

#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn poison_records_are_dead_lettered_and_the_consumer_moves_on() {
    let env = TestEnv::connect().await;
    let m = env.merchant().await;
    let installation = Uuid::new_v4();
    let key = installation.to_string();
    let producer = Producer::new();
    let future_version = json!({"schema_version": 99, "event_id": Uuid::new_v4()}).to_string();
    producer
        .send_raw(
            kafka::HEARTBEATS,
            &[
                (key.clone(), b"\x00not json".to_vec()),
                (key.clone(), future_version.into_bytes()),
            ],
        )
        .await;
    // Behind the poison in the same partition: proves the consumer moved on.
    let ok = env
        .heartbeat(
            &m.key,
            &json!({"installation_id": installation, "cms": "noncms", "plugin_version": "0.9.0"}),
        )
        .await;
    assert_eq!(ok.status, StatusCode::ACCEPTED);
    env.wait_for_heartbeats(m.id, 1, Duration::from_secs(15))
        .await;

    let consumer: StreamConsumer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", "127.0.0.1:9092")
        .set("group.id", format!("e2e-deadletter-{}", Uuid::new_v4()))
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    consumer.subscribe(&[kafka::DEADLETTER]).expect("subscribe");
    let mut reasons = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while reasons.len() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "dead letters not found, got {reasons:?}"
        );
        let Ok(Ok(msg)) = tokio::time::timeout(Duration::from_secs(5), consumer.recv()).await
        else {
            continue;
        };
        if msg.key() != Some(key.as_bytes()) {
            continue;
        }
        let headers = msg.headers().expect("headers");
        let reason = headers
            .iter()
            .find(|h| h.key == "reason")
            .and_then(|h| h.value)
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .expect("reason header");
        assert!(headers.iter().any(|h| h.key == "source_offset"));
        reasons.push(reason);
    }
    reasons.sort();
    assert_eq!(reasons, ["undecodable", "unknown_schema_version"]);
}

#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn the_event_endpoint_stores_a_retried_batch_once() {
    let env = TestEnv::connect().await;
    let m = env.merchant().await;
    let installation = Uuid::new_v4();
    let events: Vec<_> = ["card_declined", "timeout", "card_declined"]
        .iter()
        .map(|code| {
            json!({"event_id": Uuid::new_v4(), "type": "error", "cms": "woocommerce",
                           "installation_id": installation, "error_code": code})
        })
        .collect();
    let post = |body: serde_json::Value| {
        let env = &env;
        let key = m.key.clone();
        async move {
            env.http
                .post(format!("{}/api/v1/plugins/event", env.ingest_url))
                .bearer_auth(key)
                .json(&body)
                .send()
                .await
                .expect("answer")
        }
    };
    for _ in 0..2 {
        let r = post(json!({"events": events})).await;
        assert_eq!(r.status(), StatusCode::ACCEPTED);
        let body: serde_json::Value = r.json().await.expect("json");
        assert_eq!(body["accepted"], 3);
    }
    let mut bad = events.clone();
    bad[1]["type"] = json!("meltdown");
    let r = post(json!({"events": bad})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = r.json().await.expect("json");
    assert_eq!(body["error"]["field"], "events[1].type");

    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let rows = fleet::window_rows(&env, "error_rate_1h", m.id).await;
        let codes = rows
            .values()
            .next()
            .map(|w| w.codes.clone())
            .unwrap_or_default();
        if codes.values().sum::<u64>() == 3 {
            assert_eq!(codes["card_declined"], 2);
            assert_eq!(codes["timeout"], 1);
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "error events not windowed: {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn retention_drops_only_partitions_past_their_table_retention() {
    let env = TestEnv::connect().await;
    let installation = Uuid::new_v4();
    // A minute window from 2020 and one from today, in the 7-day minute table.
    for day in [
        "2020-01-15 10:00:00",
        &Utc::now().format("%Y-%m-%d 00:00:00").to_string(),
    ] {
        env.clickhouse
            .query(
                "INSERT INTO error_rate_1m_parts VALUES (toUUID(?), toDateTime(?), toUUID(?), 0, 'custom', '1.0.0', 0, 1, 10, 0, 0, 1)",
            )
            .bind(installation.to_string())
            .bind(day)
            .bind(Uuid::nil().to_string())
            .execute()
            .await
            .expect("insert");
    }
    let tables = [aggregator::retention::TableRetention {
        table: "error_rate_1m_parts",
        days: 7,
    }];
    let dropped = aggregator::retention::apply(&env.clickhouse, &tables, Utc::now().date_naive())
        .await
        .expect("retention");
    assert!(dropped >= 1, "nothing dropped");
    let left: Vec<String> = env
        .clickhouse
        .query("SELECT toString(toDate(window_start)) FROM error_rate_1m_parts WHERE installation_id = toUUID(?)")
        .bind(installation.to_string())
        .fetch_all()
        .await
        .expect("rows");
    assert_eq!(left, vec![Utc::now().format("%Y-%m-%d").to_string()]);
}
