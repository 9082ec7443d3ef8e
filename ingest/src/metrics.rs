//! ingest's Prometheus metrics. Labels are bounded (route templates, status codes,
//! error codes): never a merchant, key or installation id.

use prometheus::{
    Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, Opts, Registry,
};

#[derive(Clone)]
pub struct Metrics {
    pub registry: Registry,
    pub requests: IntCounterVec,
    pub request_duration: HistogramVec,
    /// The original contract's name: time from a heartbeat's arrival to its answer (Kafka ack included).
    pub heartbeat_latency: Histogram,
    pub heartbeats_accepted: IntCounter,
    pub events_accepted: IntCounter,
    pub produce_errors: IntCounterVec,
}

const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

impl Metrics {
    pub fn new() -> prometheus::Result<Self> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "ingest_http_requests_total",
                "HTTP requests by route and status code.",
            ),
            &["route", "status"],
        )?;
        let request_duration = HistogramVec::new(
            HistogramOpts::new(
                "ingest_http_request_duration_seconds",
                "HTTP request duration by route.",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["route"],
        )?;
        let heartbeat_latency = Histogram::with_opts(
            HistogramOpts::new(
                "plugin_heartbeat_latency_seconds",
                "Time to answer a plugin heartbeat, including Kafka's acknowledgement.",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
        )?;
        let heartbeats_accepted = IntCounter::new(
            "ingest_heartbeats_accepted_total",
            "Heartbeats acknowledged by Kafka and answered 202.",
        )?;
        let events_accepted = IntCounter::new(
            "ingest_events_accepted_total",
            "Plugin events acknowledged by Kafka and answered 202.",
        )?;
        let produce_errors = IntCounterVec::new(
            Opts::new(
                "ingest_kafka_produce_errors_total",
                "Records Kafka did not acknowledge, by reason.",
            ),
            &["reason"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(request_duration.clone()))?;
        registry.register(Box::new(heartbeat_latency.clone()))?;
        registry.register(Box::new(heartbeats_accepted.clone()))?;
        registry.register(Box::new(events_accepted.clone()))?;
        registry.register(Box::new(produce_errors.clone()))?;
        Ok(Self {
            registry,
            requests,
            request_duration,
            heartbeat_latency,
            heartbeats_accepted,
            events_accepted,
            produce_errors,
        })
    }
}
