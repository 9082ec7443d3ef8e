//! The Kafka producer: idempotent, acks=all, lz4, bounded queue.
//!
//! `send` returns only when the broker acknowledged the record (then the caller may say
//! 202) or when it is certain it will not within the deadline (then 503). Each request
//! awaits its own delivery future, so concurrent requests share librdkafka batches
//! instead of being serialised one per linger interval.

use std::time::Duration;

use rdkafka::config::ClientConfig;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{DeliveryFuture, FutureProducer, FutureRecord, Producer};
use rdkafka::util::Timeout;

use schemas::topic::Topics;

use super::{Record, Sink, SinkError, SinkFuture, TopicKind};
use crate::metrics::Metrics;

pub struct KafkaSink {
    producer: FutureProducer,
    topics: Topics,
    /// The topic /readyz checks.
    ready_topic: String,
    /// The last readiness probe: when, and its answer.
    readiness: tokio::sync::Mutex<Option<(std::time::Instant, bool)>>,
    deadline: Duration,
    metrics: Metrics,
}

impl KafkaSink {
    pub fn new(
        brokers: &str,
        topics: Topics,
        deadline: Duration,
        queue_max: u32,
        linger_ms: u64,
        metrics: Metrics,
    ) -> anyhow::Result<Self> {
        let producer: FutureProducer = ClientConfig::new()
            .set("bootstrap.servers", brokers)
            .set("client.id", "ingest")
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("compression.type", "lz4")
            .set("linger.ms", linger_ms.to_string())
            // Same hash as the Java client, so other producers keyed by installation
            // land on the same partition.
            .set("partitioner", "murmur2_random")
            .set("queue.buffering.max.messages", queue_max.to_string())
            .set("message.timeout.ms", deadline.as_millis().to_string())
            .create()?;
        Ok(Self {
            producer,
            ready_topic: topics.heartbeats.clone(),
            topics,
            readiness: tokio::sync::Mutex::new(None),
            deadline,
            metrics,
        })
    }

    /// Sends records together (one plugin request's batch): all are enqueued before
    /// any is awaited, so they share producer batches. Ok only if every one was
    /// acknowledged.
    async fn send_records(&self, kind: TopicKind, records: &[Record]) -> Result<(), SinkError> {
        let topic = self.topics.name(kind);
        let mut deliveries = Vec::with_capacity(records.len());
        for (key, payload) in records {
            deliveries.push(self.enqueue(topic, key, payload)?);
        }
        let mut result = Ok(());
        for delivery in deliveries {
            if let Err(e) = self.acknowledged(delivery).await {
                result = Err(e);
            }
        }
        result
    }

    fn enqueue(&self, topic: &str, key: &str, payload: &[u8]) -> Result<DeliveryFuture, SinkError> {
        let record = FutureRecord::to(topic).key(key).payload(payload);
        match self.producer.send_result(record) {
            Ok(delivery) => Ok(delivery),
            Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), _)) => {
                self.metrics
                    .produce_errors
                    .with_label_values(&["queue_full"])
                    .inc();
                Err(SinkError::QueueFull)
            }
            Err((e, _)) => Err(self.failed("enqueue", e.to_string())),
        }
    }

    async fn acknowledged(&self, delivery: DeliveryFuture) -> Result<(), SinkError> {
        // librdkafka fails the record itself at message.timeout.ms; the outer timeout
        // only guards against a delivery report that never comes.
        match tokio::time::timeout(self.deadline + Duration::from_secs(1), delivery).await {
            Ok(Ok(Ok(_))) => Ok(()),
            Ok(Ok(Err((e, _)))) => {
                let reason = match &e {
                    KafkaError::MessageProduction(RDKafkaErrorCode::MessageTimedOut) => "timeout",
                    _ => "broker_error",
                };
                Err(self.failed(reason, e.to_string()))
            }
            Ok(Err(_canceled)) => Err(self.failed("canceled", "producer dropped".into())),
            Err(_elapsed) => Err(self.failed("timeout", "no delivery report".into())),
        }
    }

    fn failed(&self, reason: &str, detail: String) -> SinkError {
        self.metrics
            .produce_errors
            .with_label_values(&[reason])
            .inc();
        tracing::warn!(reason, detail = %detail, "kafka produce failed");
        SinkError::NotAcknowledged(detail)
    }

    /// Whether the brokers answer a metadata request for our topic (for /readyz). One
    /// probe at a time, its answer reused for a second: a burst of readiness checks
    /// costs one metadata round trip, not one blocking thread each.
    async fn readiness(&self) -> bool {
        let mut last = self.readiness.lock().await;
        if let Some((at, ready)) = *last {
            if at.elapsed() < Duration::from_secs(1) {
                return ready;
            }
        }
        let ready = self.probe().await;
        *last = Some((std::time::Instant::now(), ready));
        ready
    }

    async fn probe(&self) -> bool {
        let producer = self.producer.clone();
        let topic = self.ready_topic.clone();
        tokio::task::spawn_blocking(move || {
            producer
                .client()
                .fetch_metadata(Some(&topic), Timeout::After(Duration::from_secs(2)))
                .map(|m| {
                    m.topics()
                        .iter()
                        .any(|t| t.error().is_none() && !t.partitions().is_empty())
                })
                .unwrap_or(false)
        })
        .await
        .unwrap_or(false)
    }
}

impl Sink for KafkaSink {
    fn send_all<'a>(
        &'a self,
        kind: TopicKind,
        records: &'a [Record],
    ) -> SinkFuture<'a, Result<(), SinkError>> {
        Box::pin(self.send_records(kind, records))
    }

    fn ready(&self) -> SinkFuture<'_, bool> {
        Box::pin(self.readiness())
    }

    fn flush(&self, timeout: Duration) {
        if let Err(e) = self.producer.flush(Timeout::After(timeout)) {
            tracing::warn!(error = %e, "producer flush incomplete at shutdown");
        }
    }
}
