//! Poison records (undecodable, unknown schema version) go to the dead-letter topic
//! with the reason in headers, so the consumer can move on without losing them.

use std::time::Duration;

use rdkafka::config::ClientConfig;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};
use schemas::envelope::DecodeError;

use crate::record::Record;

pub struct DeadLetters {
    producer: FutureProducer,
    topic: String,
}

impl DeadLetters {
    pub fn new(brokers: &str, topic: &str) -> anyhow::Result<Self> {
        let producer = ClientConfig::new()
            .set("bootstrap.servers", brokers)
            .set("client.id", "aggregator-deadletter")
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("message.timeout.ms", "30000")
            .create()?;
        Ok(Self {
            producer,
            topic: topic.to_owned(),
        })
    }

    /// Writes every poison record and waits for all acknowledgements; an error means
    /// the batch must not be committed.
    pub async fn send(&self, poison: &[(&Record, DecodeError)]) -> anyhow::Result<()> {
        let mut deliveries = Vec::with_capacity(poison.len());
        for (record, error) in poison {
            let partition = record.partition.to_string();
            let offset = record.offset.to_string();
            let detail: String = error.to_string().chars().take(512).collect();
            let headers = OwnedHeaders::new()
                .insert(Header {
                    key: "reason",
                    value: Some(error.reason()),
                })
                .insert(Header {
                    key: "detail",
                    value: Some(detail.as_str()),
                })
                .insert(Header {
                    key: "source_topic",
                    value: Some(record.topic.as_str()),
                })
                .insert(Header {
                    key: "source_partition",
                    value: Some(partition.as_str()),
                })
                .insert(Header {
                    key: "source_offset",
                    value: Some(offset.as_str()),
                });
            let mut out = FutureRecord::to(&self.topic)
                .payload(&record.payload)
                .headers(headers);
            if let Some(key) = &record.key {
                out = out.key(key);
            }
            let delivery = self
                .producer
                .send_result(out)
                .map_err(|(e, _)| anyhow::anyhow!("dead-letter enqueue failed: {e}"))?;
            deliveries.push(delivery);
        }
        for delivery in deliveries {
            match tokio::time::timeout(Duration::from_secs(35), delivery).await {
                Ok(Ok(Ok(_))) => {}
                Ok(Ok(Err((e, _)))) => anyhow::bail!("dead-letter not acknowledged: {e}"),
                Ok(Err(_)) | Err(_) => anyhow::bail!("dead-letter delivery report lost"),
            }
        }
        Ok(())
    }
}
