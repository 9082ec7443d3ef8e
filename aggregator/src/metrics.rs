//! aggregator's Prometheus metrics. Labels are bounded: topic, partition (a handful),
//! sink and outcome; never an installation or merchant.

use prometheus::{Histogram, HistogramOpts, IntCounterVec, IntGaugeVec, Opts, Registry};

#[derive(Clone)]
pub struct Metrics {
    pub registry: Registry,
    pub records: IntCounterVec,
    pub batch_size: Histogram,
    pub sink_duration: prometheus::HistogramVec,
    pub sink_failures: IntCounterVec,
    pub committed_offset: IntGaugeVec,
    pub replayed_skipped: IntCounterVec,
    /// Installations stored under a merchant-namespaced id (another merchant's
    /// plugin reported the same installation id first).
    pub namespaced_installations: prometheus::IntCounter,
    pub late_records: IntCounterVec,
    pub consumer_lag: IntGaugeVec,
    pub retention_dropped: prometheus::IntCounter,
}

impl Metrics {
    pub fn new() -> prometheus::Result<Self> {
        let registry = Registry::new();
        let records = IntCounterVec::new(
            Opts::new(
                "aggregator_records_total",
                "Records processed, by topic and outcome (written, dead_lettered).",
            ),
            &["topic", "outcome"],
        )?;
        let batch_size = Histogram::with_opts(
            HistogramOpts::new("aggregator_batch_size", "Records per written batch.").buckets(
                vec![1.0, 10.0, 100.0, 500.0, 1000.0, 2500.0, 5000.0, 10000.0],
            ),
        )?;
        let sink_duration = prometheus::HistogramVec::new(
            HistogramOpts::new(
                "aggregator_sink_write_duration_seconds",
                "Time to write one batch, by sink.",
            )
            .buckets(vec![
                0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
            &["sink"],
        )?;
        let sink_failures = IntCounterVec::new(
            Opts::new(
                "aggregator_sink_failures_total",
                "Failed batch writes (retried), by sink: clickhouse, postgres, deadletter, commit.",
            ),
            &["sink"],
        )?;
        let committed_offset = IntGaugeVec::new(
            Opts::new(
                "aggregator_committed_offset",
                "Next offset committed to Kafka, by topic and partition.",
            ),
            &["topic", "partition"],
        )?;
        let replayed_skipped = IntCounterVec::new(
            Opts::new(
                "aggregator_replayed_records_skipped_total",
                "Records PostgreSQL had already applied (replays after a crash or rebalance).",
            ),
            &["topic"],
        )?;
        let late_records = IntCounterVec::new(
            Opts::new(
                "aggregator_late_records_total",
                "Records older than the allowed lateness, counted in the windows at received minus the lateness (label: the smallest window size).",
            ),
            &["window"],
        )?;
        let consumer_lag = IntGaugeVec::new(
            Opts::new(
                "aggregator_consumer_lag",
                "Records behind the partition's high watermark, per assigned partition.",
            ),
            &["topic", "partition"],
        )?;
        let retention_dropped = prometheus::IntCounter::new(
            "aggregator_retention_partitions_dropped_total",
            "ClickHouse partitions dropped by retention.",
        )?;
        registry.register(Box::new(late_records.clone()))?;
        registry.register(Box::new(consumer_lag.clone()))?;
        registry.register(Box::new(retention_dropped.clone()))?;
        registry.register(Box::new(records.clone()))?;
        registry.register(Box::new(batch_size.clone()))?;
        registry.register(Box::new(sink_duration.clone()))?;
        registry.register(Box::new(sink_failures.clone()))?;
        registry.register(Box::new(committed_offset.clone()))?;
        registry.register(Box::new(replayed_skipped.clone()))?;
        let namespaced_installations = prometheus::IntCounter::new(
            "aggregator_namespaced_installation_updates_total",
            "Installation updates stored under a merchant-namespaced id because another merchant reported the same installation id first.",
        )?;
        registry.register(Box::new(namespaced_installations.clone()))?;
        Ok(Self {
            registry,
            records,
            batch_size,
            sink_duration,
            sink_failures,
            committed_offset,
            replayed_skipped,
            namespaced_installations,
            late_records,
            consumer_lag,
            retention_dropped,
        })
    }
}
