//! Windowed error rates (1 min, 5 min, 1 h), error codes and daily health, summed per
//! Kafka *segment* and written as segment parts that the ClickHouse views add up.
//!
//! Why segments: a window's final value must not depend on how records were split into
//! batches, replayed after a crash, or shared by two consumers during a rebalance. A
//! segment is a fixed range of `SEGMENT_SIZE` offsets of one partition, so its records
//! are the same on every replay; the aggregator sums a segment's records per window
//! and (re)writes one row per (installation, window, segment), versioned by how many
//! records of the segment it has seen. A replay rewrites the same rows, a partial write
//! is superseded by a more complete one, and nothing is ever added twice. The consumer
//! commits offsets only at segment starts, so after a restart the segment in progress
//! is read again from its first record.
//!
//! Cost: the work is per record in memory plus one INSERT per table and batch, so it
//! grows with the records, not with the history the windows cover.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::Duration;
use clickhouse::{Client, Row};
use schemas::event::EventType;
use schemas::window::{event_time, window_time, Window};
use serde::Serialize;
use uuid::Uuid;

use crate::record::{DecodedEvent, DecodedHeartbeat};

/// Offsets per segment. Never change it on a running system: rows written under one
/// size would not be superseded by rows written under another.
pub const SEGMENT_SIZE: i64 = 1000;

const SIZED: [Window; 3] = [Window::OneMinute, Window::FiveMinutes, Window::OneHour];

#[derive(Debug, Clone, Copy)]
pub struct WindowSettings {
    pub lateness: Duration,
    pub expected_heartbeats_per_day: u32,
}

#[derive(Debug, Default, Clone)]
struct WindowSum {
    cms: String,
    plugin_version: String,
    version_rank: u64,
    heartbeats: u32,
    requests: u64,
    errors: f64,
    error_events: u32,
}

#[derive(Debug, Default, Clone)]
struct DaySum {
    window: WindowSum,
    hours: BTreeSet<u8>,
    versions: BTreeSet<String>,
}

/// One installation-and-window key: (size index, installation, merchant, window start).
type Key = (usize, Uuid, Uuid, i64);

/// What one partition's current segment has summed so far.
#[derive(Debug, Default)]
struct SegmentSums {
    segment: i64,
    /// Highest offset folded in: a lower or equal one means the partition was rewound
    /// (a restart or a partition handed back after a rebalance).
    last_offset: i64,
    records: u32,
    windows: HashMap<Key, WindowSum>,
    days: HashMap<(Uuid, Uuid, i64), DaySum>,
    codes: HashMap<(Uuid, Uuid, i64, String), u32>,
}

impl SegmentSums {
    fn new(segment: i64) -> Self {
        Self {
            segment,
            last_offset: -1,
            ..Self::default()
        }
    }
}

/// What one record adds to the windows.
struct Contribution<'a> {
    installation: Uuid,
    merchant: Uuid,
    cms: &'a str,
    /// `schemas::window::window_time`: never older than the lateness before receipt.
    at: i64,
    /// The record's own time was older and `at` was moved up to the oldest open moment.
    clamped: bool,
    received_at: chrono::DateTime<chrono::Utc>,
    heartbeat: Option<(&'a str, u64, f64)>,
    error_code: Option<&'a str>,
}

/// Rows ready to write, per table.
#[derive(Debug, Default)]
pub struct Parts {
    pub windows: [Vec<WindowPartRow>; 3],
    pub codes: Vec<CodePartRow>,
    pub days: Vec<DayPartRow>,
}

/// The segments in progress of every partition this instance reads.
#[derive(Debug)]
pub struct Accumulator {
    settings: WindowSettings,
    partitions: HashMap<(u8, i32), SegmentSums>,
}

/// Where a record came from: topic (0 heartbeats, 1 events), partition, offset.
pub type Position = (u8, i32, i64);

/// Result of folding a batch in.
#[derive(Debug, Default)]
pub struct Folded {
    pub parts: Parts,
    /// Records whose own time was older than the lateness, counted at received − lateness
    /// instead (aggregator_late_records_total), per window size label.
    pub late: HashMap<&'static str, u64>,
}

impl Accumulator {
    pub fn new(settings: WindowSettings) -> Self {
        Self {
            settings,
            partitions: HashMap::new(),
        }
    }

    /// Where the consumer may commit for a partition: the start of its segment in
    /// progress (everything before is written in full).
    pub fn commit_offset(&self, topic: u8, partition: i32) -> Option<i64> {
        self.partitions
            .get(&(topic, partition))
            .map(|s| s.segment * SEGMENT_SIZE)
    }

    /// Folds a batch in (records of a partition in offset order) and returns the rows
    /// of every segment it touched: segments it completed, and those still in progress.
    /// `repeated` names error events (id, offset) that are later copies of one already
    /// counted: they advance the segment but count nothing.
    pub fn fold(
        &mut self,
        heartbeats: &[DecodedHeartbeat],
        events: &[DecodedEvent],
        repeated: &HashSet<(Uuid, i64)>,
    ) -> Folded {
        let mut out = Folded::default();
        let mut touched: BTreeSet<(u8, i32)> = BTreeSet::new();
        let mut seen =
            |acc: &mut Self, pos: Position, c: Option<Contribution<'_>>, out: &mut Folded| {
                touched.insert((pos.0, pos.1));
                acc.add(pos, c, out);
            };
        let lateness = self.settings.lateness;
        let when = |plugin_time, received_at| {
            window_time(event_time(plugin_time, received_at), received_at, lateness)
        };
        for h in heartbeats {
            let e = &h.envelope;
            let p = &e.payload;
            let (at, clamped) = when(p.sent_at, e.received_at);
            let c = Contribution {
                installation: e.installation_id,
                merchant: e.merchant_id,
                cms: &p.cms,
                at,
                clamped,
                received_at: e.received_at,
                heartbeat: Some((
                    &p.plugin_version,
                    p.requests_last_hour.unwrap_or(0),
                    p.errors_last_hour,
                )),
                error_code: None,
            };
            seen(self, (0, h.partition, h.offset), Some(c), &mut out);
        }
        for ev in events {
            let e = &ev.envelope;
            let p = &e.payload;
            let counts = p.kind == EventType::Error && !repeated.contains(&(e.event_id, ev.offset));
            let (at, clamped) = when(p.occurred_at, e.received_at);
            let c = counts.then(|| Contribution {
                installation: e.installation_id,
                merchant: e.merchant_id,
                cms: &p.cms,
                at,
                clamped,
                received_at: e.received_at,
                heartbeat: None,
                error_code: Some(p.error_code.as_deref().unwrap_or("unknown")),
            });
            seen(self, (1, ev.partition, ev.offset), c, &mut out);
        }
        for key in touched {
            if let Some(sums) = self.partitions.get(&key) {
                rows(key, sums, self.settings, &mut out.parts);
            }
        }
        out
    }

    fn add(
        &mut self,
        (topic, partition, offset): Position,
        c: Option<Contribution<'_>>,
        out: &mut Folded,
    ) {
        let segment = offset.div_euclid(SEGMENT_SIZE);
        let key = (topic, partition);
        let settings = self.settings;
        let sums = self
            .partitions
            .entry(key)
            .or_insert_with(|| SegmentSums::new(segment));
        if offset <= sums.last_offset {
            // Rewound: the records will come again from the committed segment start.
            *sums = SegmentSums::new(segment);
        } else if segment != sums.segment {
            // The segment in progress is complete: write its final rows, start anew.
            rows(key, sums, settings, &mut out.parts);
            *sums = SegmentSums::new(segment);
        }
        sums.last_offset = offset;
        sums.records += 1;
        let Some(c) = c else { return };

        if c.clamped {
            // Counted at the oldest moment still open, in every window size alike (so
            // the sizes always add up); counted here so Ops see how often it happens.
            *out.late.entry(Window::OneMinute.label()).or_default() += 1;
        }
        let rank = c.received_at.timestamp_millis().max(0) as u64;
        let add = |w: &mut WindowSum| {
            if w.cms.is_empty() {
                w.cms = c.cms.to_owned();
            }
            match c.heartbeat {
                Some((version, requests, errors)) => {
                    w.heartbeats += 1;
                    w.requests += requests;
                    w.errors += errors;
                    if rank >= w.version_rank || w.plugin_version.is_empty() {
                        w.version_rank = rank;
                        w.plugin_version = version.to_owned();
                    }
                }
                None => w.error_events += 1,
            }
        };
        for (i, window) in SIZED.iter().enumerate() {
            add(sums
                .windows
                .entry((i, c.installation, c.merchant, window.start(c.at)))
                .or_default());
        }
        let day = sums
            .days
            .entry((c.installation, c.merchant, Window::Day.start(c.at)))
            .or_default();
        add(&mut day.window);
        if let Some((version, _, _)) = c.heartbeat {
            day.hours.insert((c.at.rem_euclid(86_400) / 3600) as u8);
            day.versions.insert(version.to_owned());
        }
        if let Some(code) = c.error_code {
            let start = Window::OneMinute.start(c.at);
            *sums
                .codes
                .entry((c.installation, c.merchant, start, code.to_owned()))
                .or_default() += 1;
        }
    }
}

/// The segment's id in the parts tables: topic, partition and segment number.
fn segment_id((topic, partition): (u8, i32), segment: i64) -> u64 {
    (u64::from(topic) << 56)
        | ((partition.max(0) as u64 & 0xFF_FFFF) << 32)
        | (segment.max(0) as u64 & 0xFFFF_FFFF)
}

fn secs(t: i64) -> u32 {
    t.clamp(0, i64::from(u32::MAX)) as u32
}

fn rows(key: (u8, i32), s: &SegmentSums, settings: WindowSettings, parts: &mut Parts) {
    let segment = segment_id(key, s.segment);
    for (&(i, installation_id, merchant_id, start), w) in &s.windows {
        parts.windows[i].push(WindowPartRow {
            installation_id,
            window_start: secs(start),
            merchant_id,
            segment,
            cms: w.cms.clone(),
            plugin_version: w.plugin_version.clone(),
            version_rank: w.version_rank,
            heartbeats: w.heartbeats,
            requests: w.requests,
            errors: w.errors,
            error_events: w.error_events,
            records: s.records,
        });
    }
    for ((installation_id, merchant_id, start, code), n) in &s.codes {
        parts.codes.push(CodePartRow {
            installation_id: *installation_id,
            window_start: secs(*start),
            merchant_id: *merchant_id,
            segment,
            error_code: code.clone(),
            events: *n,
            records: s.records,
        });
    }
    for (&(installation_id, merchant_id, day), d) in &s.days {
        parts.days.push(DayPartRow {
            installation_id,
            day: (day.div_euclid(86_400)).clamp(0, i64::from(u16::MAX)) as u16,
            merchant_id,
            segment,
            cms: d.window.cms.clone(),
            last_version: d.window.plugin_version.clone(),
            version_rank: d.window.version_rank,
            heartbeats: d.window.heartbeats,
            expected_heartbeats: settings.expected_heartbeats_per_day,
            requests: d.window.requests,
            errors: d.window.errors,
            error_events: d.window.error_events,
            hours: d.hours.iter().copied().collect(),
            versions_seen: d.versions.iter().cloned().collect(),
            records: s.records,
        });
    }
}

#[derive(Debug, Row, Serialize)]
pub struct WindowPartRow {
    #[serde(with = "clickhouse::serde::uuid")]
    pub installation_id: Uuid,
    pub window_start: u32,
    #[serde(with = "clickhouse::serde::uuid")]
    pub merchant_id: Uuid,
    pub segment: u64,
    pub cms: String,
    pub plugin_version: String,
    pub version_rank: u64,
    pub heartbeats: u32,
    pub requests: u64,
    pub errors: f64,
    pub error_events: u32,
    pub records: u32,
}

#[derive(Debug, Row, Serialize)]
pub struct CodePartRow {
    #[serde(with = "clickhouse::serde::uuid")]
    pub installation_id: Uuid,
    pub window_start: u32,
    #[serde(with = "clickhouse::serde::uuid")]
    pub merchant_id: Uuid,
    pub segment: u64,
    pub error_code: String,
    pub events: u32,
    pub records: u32,
}

#[derive(Debug, Row, Serialize)]
pub struct DayPartRow {
    #[serde(with = "clickhouse::serde::uuid")]
    pub installation_id: Uuid,
    /// ClickHouse Date: days since 1970-01-01.
    pub day: u16,
    #[serde(with = "clickhouse::serde::uuid")]
    pub merchant_id: Uuid,
    pub segment: u64,
    pub cms: String,
    pub last_version: String,
    pub version_rank: u64,
    pub heartbeats: u32,
    pub expected_heartbeats: u32,
    pub requests: u64,
    pub errors: f64,
    pub error_events: u32,
    pub hours: Vec<u8>,
    pub versions_seen: Vec<String>,
    pub records: u32,
}

/// Writes the parts; returns only after ClickHouse acknowledged every INSERT.
pub async fn write(client: &Client, parts: &Parts) -> clickhouse::error::Result<()> {
    use crate::sink::clickhouse::insert;
    let tables = [
        "error_rate_1m_parts",
        "error_rate_5m_parts",
        "error_rate_1h_parts",
    ];
    for (table, rows) in tables.iter().zip(&parts.windows) {
        insert(client, table, rows).await?;
    }
    insert(client, "error_codes_1m_parts", &parts.codes).await?;
    insert(client, "daily_health_parts", &parts.days).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use schemas::heartbeat::HeartbeatRequest;
    use schemas::Envelope;

    const BASE: i64 = 1_795_957_800; // a minute boundary

    fn hb(
        installation: u128,
        offset: i64,
        sent: i64,
        received: i64,
        errors: u32,
    ) -> DecodedHeartbeat {
        let body = format!(
            r#"{{"cms":"woocommerce","plugin_version":"1.0.{offset}","requests_last_hour":100,"errors_last_hour":{errors},"sent_at":"{}"}}"#,
            Utc.timestamp_opt(sent, 0)
                .single()
                .expect("time")
                .to_rfc3339()
        );
        let payload = HeartbeatRequest::parse(body.as_bytes())
            .expect("valid")
            .heartbeat;
        let mut envelope =
            Envelope::new(Uuid::from_u128(1), Uuid::from_u128(installation), payload);
        envelope.received_at = Utc.timestamp_opt(received, 0).single().expect("time");
        DecodedHeartbeat {
            partition: 0,
            offset,
            envelope,
        }
    }

    fn settings() -> WindowSettings {
        WindowSettings {
            lateness: Duration::seconds(600),
            expected_heartbeats_per_day: 24,
        }
    }

    fn minute_rows(parts: &Parts) -> Vec<(u128, u32, u32, u64, u32)> {
        let mut v: Vec<_> = parts.windows[0]
            .iter()
            .map(|r| {
                (
                    r.installation_id.as_u128(),
                    r.window_start,
                    r.heartbeats,
                    r.segment,
                    r.records,
                )
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn sums_a_segment_and_counts_late_records_at_the_oldest_open_moment() {
        let mut acc = Accumulator::new(settings());
        let batch = [
            hb(1, 0, BASE + 5, BASE + 6, 1),
            hb(1, 1, BASE + 30, BASE + 31, 2),
            hb(2, 2, BASE + 70, BASE + 71, 0),
            // Sent in the first minute, received 20 minutes later (lateness 10 min):
            // counted at received − lateness, in every window size.
            hb(3, 3, BASE + 10, BASE + 1210, 0),
        ];
        let folded = acc.fold(&batch, &[], &HashSet::new());
        assert_eq!(folded.late.get("1m"), Some(&1));
        let b = BASE as u32;
        assert_eq!(
            minute_rows(&folded.parts),
            vec![(1, b, 2, 0, 4), (2, b + 60, 1, 0, 4), (3, b + 600, 1, 0, 4)]
        );
        assert!(folded.parts.windows[2]
            .iter()
            .any(|r| r.installation_id.as_u128() == 3));
        assert_eq!(acc.commit_offset(0, 0), Some(0));
    }

    #[test]
    fn a_replay_after_a_rewind_writes_the_same_rows() {
        let batch: Vec<_> = (0..5).map(|i| hb(1, i, BASE + i, BASE + i, 1)).collect();
        let mut acc = Accumulator::new(settings());
        let first = minute_rows(&acc.fold(&batch[..3], &[], &HashSet::new()).parts);
        let full = minute_rows(&acc.fold(&batch[3..], &[], &HashSet::new()).parts);
        // Restart: the same accumulator sees the segment again from its start.
        let replayed = minute_rows(&acc.fold(&batch, &[], &HashSet::new()).parts);
        assert_eq!(replayed, full);
        assert_eq!(full[0].2, 5);
        assert!(
            first[0].4 < full[0].4,
            "a partial write has a lower version"
        );
    }

    #[test]
    fn crossing_a_segment_boundary_writes_the_finished_segment_and_moves_the_commit() {
        let mut acc = Accumulator::new(settings());
        let batch = [
            hb(1, SEGMENT_SIZE - 1, BASE, BASE, 0),
            hb(1, SEGMENT_SIZE, BASE + 1, BASE + 1, 0),
        ];
        let parts = acc.fold(&batch, &[], &HashSet::new()).parts;
        let segments: BTreeSet<u64> = parts.windows[0].iter().map(|r| r.segment).collect();
        assert_eq!(segments, BTreeSet::from([0, 1]));
        assert_eq!(acc.commit_offset(0, 0), Some(SEGMENT_SIZE));
        let day = &parts.days[0];
        assert_eq!(
            (day.heartbeats, day.hours.clone()),
            (1, vec![((BASE % 86_400) / 3600) as u8])
        );
    }

    #[test]
    fn segment_ids_separate_topics_and_partitions() {
        assert_ne!(segment_id((0, 1), 5), segment_id((1, 1), 5));
        assert_ne!(segment_id((0, 1), 5), segment_id((0, 2), 5));
        assert_ne!(segment_id((0, 1), 5), segment_id((0, 1), 6));
    }
}
