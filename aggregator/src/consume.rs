//! The consumer loop: poll a bounded batch, decode it, write it to every sink (retrying
//! with backoff, never dropping), then commit its offsets. A sink that is down stops the
//! commits, not the process; the backlog waits in Kafka.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};

use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};
use schemas::window::Window;
use tokio::sync::watch;

use crate::deadletter::DeadLetters;
use crate::metrics::Metrics;
use crate::record::{self, Record, Topics};
use crate::sink;
use crate::window::Accumulator;

/// When a batch is written: full, or its first record has waited long enough.
#[derive(Debug, Clone, Copy)]
pub struct BatchLimits {
    pub max_records: usize,
    pub max_wait: Duration,
}

/// What a batch is decoded by, folded into and written to.
pub struct Pipeline {
    pub topics: Topics,
    pub windows: Accumulator,
    pub pool: sqlx::PgPool,
    pub clickhouse: clickhouse::Client,
    pub dead_letters: DeadLetters,
    pub metrics: Metrics,
    pub max_backoff: Duration,
    /// Turns true on shutdown: the loop ends between batches, a retry gives up.
    pub stop: watch::Receiver<bool>,
}

/// Consumes until stopped. A batch interrupted by the stop is not committed, so it is
/// replayed on restart.
pub async fn run(consumer: &StreamConsumer, mut pipeline: Pipeline, limits: BatchLimits) {
    loop {
        let mut stop = pipeline.stop.clone();
        let records = tokio::select! {
            _ = stop.wait_for(|s| *s) => break,
            r = collect_batch(consumer, limits.max_records, limits.max_wait) => r,
        };
        let records = without_replayed_copies(records);
        if records.is_empty() {
            continue;
        }
        if !pipeline.write(&records).await {
            break;
        }
        pipeline.commit(consumer, &records);
    }
}

/// Waits for one record, then gathers more until the batch is full or the first
/// record has waited `max_wait`.
async fn collect_batch(consumer: &StreamConsumer, max: usize, max_wait: Duration) -> Vec<Record> {
    let first = match consumer.recv().await {
        Ok(m) => owned(&m),
        Err(e) => {
            tracing::warn!(error = %e, "kafka poll failed");
            tokio::time::sleep(Duration::from_millis(500)).await;
            return Vec::new();
        }
    };
    let deadline = tokio::time::Instant::now() + max_wait;
    let mut records = vec![first];
    while records.len() < max {
        match tokio::time::timeout_at(deadline, consumer.recv()).await {
            Ok(Ok(m)) => records.push(owned(&m)),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "kafka poll failed mid-batch");
                break;
            }
            Err(_deadline) => break,
        }
    }
    records
}

/// A partition rewound mid-batch (handed back in a rebalance) delivers some offsets
/// twice in one batch. Keeps the last copy of each (topic, partition, offset), in
/// order: the raw tables would collapse copies anyway, but PostgreSQL's watermark only
/// filters offsets applied by *earlier* batches, and the window sums expect a rewound
/// partition to replay from the rewind point.
fn without_replayed_copies(records: Vec<Record>) -> Vec<Record> {
    let mut seen = std::collections::HashSet::new();
    let mut kept: Vec<Record> = records
        .into_iter()
        .rev()
        .filter(|r| seen.insert((r.topic.clone(), r.partition, r.offset)))
        .collect();
    kept.reverse();
    kept
}

fn owned(m: &rdkafka::message::BorrowedMessage<'_>) -> Record {
    Record {
        topic: m.topic().to_owned(),
        partition: m.partition(),
        offset: m.offset(),
        key: m.key().map(<[u8]>::to_vec),
        payload: m.payload().map(<[u8]>::to_vec).unwrap_or_default(),
    }
}

/// (topic, partition) → offset after the batch's last record there.
fn next_offsets(records: &[Record]) -> BTreeMap<(String, i32), i64> {
    let mut next = BTreeMap::new();
    for r in records {
        let n = next.entry((r.topic.clone(), r.partition)).or_insert(0);
        *n = (*n).max(r.offset + 1);
    }
    next
}

impl Pipeline {
    /// Writes a batch to every sink; false if asked to stop before all acknowledged.
    async fn write(&mut self, records: &[Record]) -> bool {
        let started = Instant::now();
        let batch = record::decode(records, &self.topics);
        if !batch.poison.is_empty() {
            for (r, e) in &batch.poison {
                tracing::warn!(topic = %r.topic, partition = r.partition, offset = r.offset, reason = e.reason(), "dead-lettering record");
            }
            let dl = &self.dead_letters;
            if self
                .retry("deadletter", || dl.send(&batch.poison))
                .await
                .is_none()
            {
                return false;
            }
        }
        let ch = self.clickhouse.clone();
        let Some(repeated_heartbeats) = self
            .retry("clickhouse", || {
                sink::clickhouse::raw::repeated_heartbeats(&ch, &batch.heartbeats)
            })
            .await
        else {
            return false;
        };
        // A later copy of a heartbeat (the plugin's retry of one Kafka had stored) is
        // written nowhere: not raw, not in windows, not counted in PostgreSQL. Its offset
        // still moves the watermark.
        let mut heartbeats = batch.heartbeats;
        heartbeats.retain(|h| !repeated_heartbeats.contains(&(h.envelope.event_id, h.offset)));
        let (heartbeats, events) = (&heartbeats, &batch.events);
        let Some(repeated) = self
            .retry("clickhouse", || {
                sink::clickhouse::raw::repeated_events(&ch, events)
            })
            .await
        else {
            return false;
        };
        let folded = self.windows.fold(heartbeats, events, &repeated);
        if folded.late > 0 {
            // A late record is late in every window size alike: one count, under the
            // smallest size's label.
            self.metrics
                .late_records
                .with_label_values(&[Window::OneMinute.label()])
                .inc_by(folded.late);
        }
        let window_parts = sink::clickhouse::windows::Parts::new(&folded.segments);
        let heartbeat_rows: Vec<_> = heartbeats
            .iter()
            .map(sink::clickhouse::raw::HeartbeatRow::from)
            .collect();
        let event_rows: Vec<_> = events
            .iter()
            .map(sink::clickhouse::raw::EventRow::from)
            .collect();
        let next = next_offsets(records);
        let topics = (self.topics.heartbeats.as_str(), self.topics.events.as_str());

        // The three sinks are independent and each write is idempotent, so they run at
        // once; the batch is committed only when all three acknowledged.
        let raw = self.retry("clickhouse", || {
            sink::clickhouse::raw::write(&ch, &heartbeat_rows, &event_rows)
        });
        let windows = self.retry("clickhouse_windows", || {
            sink::clickhouse::windows::write(&ch, &window_parts)
        });
        let postgres = self.retry("postgres", || {
            sink::postgres::apply(&self.pool, topics, heartbeats, events, &next)
        });
        let (raw, windows, applied) = tokio::join!(raw, windows, postgres);
        let (Some(()), Some(()), Some(applied)) = (raw, windows, applied) else {
            return false; // stopping mid-batch: not committed, so replayed on restart
        };
        let m = &self.metrics;
        m.batch_size.observe(records.len() as f64);
        m.records
            .with_label_values(&[&self.topics.heartbeats, "written"])
            .inc_by(heartbeats.len() as u64);
        m.records
            .with_label_values(&[&self.topics.events, "written"])
            .inc_by(events.len() as u64);
        for (r, _) in &batch.poison {
            m.records
                .with_label_values(&[&r.topic, "dead_lettered"])
                .inc();
        }
        m.replayed_skipped
            .with_label_values(&[&self.topics.heartbeats])
            .inc_by(applied.skipped_replayed as u64);
        m.namespaced_installations.inc_by(applied.namespaced as u64);
        tracing::debug!(
            records = records.len(),
            installations = applied.installations,
            replayed = applied.skipped_replayed,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "batch written"
        );
        true
    }

    /// Runs `op` until it succeeds, with exponential backoff; None when stopping.
    async fn retry<T, E, F, Fut>(&self, sink: &str, mut op: F) -> Option<T>
    where
        E: std::fmt::Display,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let mut backoff = Duration::from_millis(100);
        let mut stop = self.stop.clone();
        loop {
            let started = Instant::now();
            match op().await {
                Ok(v) => {
                    self.metrics
                        .sink_duration
                        .with_label_values(&[sink])
                        .observe(started.elapsed().as_secs_f64());
                    return Some(v);
                }
                Err(e) => {
                    self.metrics.sink_failures.with_label_values(&[sink]).inc();
                    tracing::warn!(sink, error = %e, retry_in_ms = backoff.as_millis() as u64, "sink write failed; retrying");
                }
            }
            tokio::select! {
                _ = stop.wait_for(|s| *s) => return None,
                _ = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(self.max_backoff);
        }
    }

    /// Commits the batch's offsets: for a partition with a window segment in progress,
    /// that segment's start (so a restart reads the whole segment again), else the
    /// offset after the batch. A failed commit (e.g. the partition moved to another
    /// instance in a rebalance) only means a harmless replay, so it is logged.
    fn commit(&self, consumer: &StreamConsumer, records: &[Record]) {
        let mut list = TopicPartitionList::new();
        let mut next = next_offsets(records);
        for ((topic, partition), offset) in next.iter_mut() {
            let Some(kind) = self.topics.kind(topic) else {
                continue;
            };
            if let Some(segment_start) = self.windows.commit_offset(kind, *partition) {
                *offset = (*offset).min(segment_start);
            }
        }
        for ((topic, partition), offset) in &next {
            if let Err(e) = list.add_partition_offset(topic, *partition, Offset::Offset(*offset)) {
                tracing::error!(error = %e, "cannot build commit list");
                return;
            }
        }
        match consumer.commit(&list, CommitMode::Sync) {
            Ok(()) => {
                for ((topic, partition), offset) in next {
                    self.metrics
                        .committed_offset
                        .with_label_values(&[&topic, &partition.to_string()])
                        .set(offset);
                }
            }
            Err(e) => {
                self.metrics
                    .sink_failures
                    .with_label_values(&["commit"])
                    .inc();
                tracing::warn!(error = %e, "offset commit failed; the batch will be replayed harmlessly");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rewound_partition_keeps_only_the_last_copy_of_each_offset() {
        let r = |offset| Record {
            topic: "t".into(),
            partition: 0,
            offset,
            key: None,
            payload: Vec::new(),
        };
        let batch = vec![r(10), r(11), r(12), r(9), r(10), r(11), r(12), r(13)];
        let offsets: Vec<i64> = without_replayed_copies(batch)
            .iter()
            .map(|r| r.offset)
            .collect();
        assert_eq!(offsets, [9, 10, 11, 12, 13]);
    }

    #[test]
    fn next_offsets_are_one_past_each_partitions_last_record() {
        let r = |partition, offset| Record {
            topic: "t".into(),
            partition,
            offset,
            key: None,
            payload: Vec::new(),
        };
        let next = next_offsets(&[r(0, 5), r(1, 9), r(0, 7), r(0, 6)]);
        assert_eq!(
            next,
            BTreeMap::from([(("t".to_owned(), 0), 8), (("t".to_owned(), 1), 10)])
        );
    }
}
