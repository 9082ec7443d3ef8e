//! Writes envelopes straight to Kafka, as ingest would, so aggregator tests control
//! every timestamp and can replay, duplicate or poison records at will.

use std::time::Duration;

use rdkafka::config::ClientConfig;
use rdkafka::message::OwnedHeaders;
use rdkafka::producer::{FutureProducer, FutureRecord};
use serde::Serialize;
use uuid::Uuid;

pub const HEARTBEATS: &str = "plugin.heartbeats.v1";
pub const EVENTS: &str = "plugin.events.v1";
pub const DEADLETTER: &str = "plugin.deadletter.v1";

pub struct Producer {
    inner: FutureProducer,
}

impl Producer {
    pub fn new() -> Self {
        let brokers = std::env::var("KAFKA_BROKERS").unwrap_or_else(|_| "127.0.0.1:9092".into());
        let inner = ClientConfig::new()
            .set("bootstrap.servers", &brokers)
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("linger.ms", "20")
            .set("compression.type", "lz4")
            .set("partitioner", "murmur2_random")
            .set("queue.buffering.max.messages", "1000000")
            .create()
            .unwrap_or_else(|e| panic!("Kafka producer ({brokers}): {e}"));
        Self { inner }
    }

    /// Produces `(key, payload)` records and waits until Kafka acknowledged them all.
    pub async fn send_raw(&self, topic: &str, records: &[(String, Vec<u8>)]) {
        for chunk in records.chunks(50_000) {
            let mut deliveries = Vec::with_capacity(chunk.len());
            for (key, payload) in chunk {
                let record = FutureRecord::to(topic)
                    .key(key)
                    .payload(payload)
                    .headers(OwnedHeaders::new());
                deliveries.push(
                    self.inner
                        .send_result(record)
                        .map_err(|(e, _)| e)
                        .expect("enqueue"),
                );
            }
            for d in deliveries {
                let outcome = tokio::time::timeout(Duration::from_secs(60), d).await;
                assert!(
                    matches!(outcome, Ok(Ok(Ok(_)))),
                    "Kafka did not acknowledge a test record: {outcome:?}"
                );
            }
        }
    }

    /// Produces envelopes keyed by installation, as ingest does.
    pub async fn send<T: Serialize>(&self, topic: &str, envelopes: &[schemas::Envelope<T>]) {
        let records: Vec<(String, Vec<u8>)> = envelopes
            .iter()
            .map(|e| {
                (
                    e.installation_id.to_string(),
                    serde_json::to_vec(e).expect("serialise"),
                )
            })
            .collect();
        self.send_raw(topic, &records).await;
    }
}

impl Default for Producer {
    fn default() -> Self {
        Self::new()
    }
}

/// A key no other test uses, to find one's own records in a shared topic.
pub fn unique_key() -> String {
    Uuid::new_v4().to_string()
}
