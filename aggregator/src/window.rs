//! Windowed error rates (1 min, 5 min, 1 h), error codes and daily health, summed per
//! Kafka *segment*. Pure: the ClickHouse rows these sums become, and their writing, are
//! in `sink/clickhouse/windows.rs`.
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

use chrono::{DateTime, Duration, Utc};
use schemas::event::EventType;
use schemas::window::{event_time, window_time, Window};
use uuid::Uuid;

use crate::record::{DecodedEvent, DecodedHeartbeat, TopicKind};

/// Offsets per segment. Never change it on a running system: rows written under one
/// size would not be superseded by rows written under another.
pub const SEGMENT_SIZE: i64 = 1000;

/// The sized windows; a `WindowKey`'s first field indexes this.
pub const SIZED: [Window; 3] = [Window::OneMinute, Window::FiveMinutes, Window::OneHour];

#[derive(Debug, Clone, Copy)]
pub struct WindowSettings {
    pub lateness: Duration,
    pub expected_heartbeats_per_day: u32,
}

/// What the records of one segment add to one installation's window.
#[derive(Debug, Default, Clone)]
pub struct WindowSum {
    pub cms: String,
    /// The plugin version of the newest heartbeat by ingest's clock (`version_rank`,
    /// received_at in ms), so the answer does not depend on the order records arrive.
    pub plugin_version: String,
    pub version_rank: u64,
    pub heartbeats: u32,
    pub requests: u64,
    pub errors: f64,
    pub error_events: u32,
}

/// What the records of one segment add to one installation's day.
#[derive(Debug, Default, Clone)]
pub struct DaySum {
    pub window: WindowSum,
    /// Hours of the day (UTC) with a heartbeat: the uptime share's numerator.
    pub hours: BTreeSet<u8>,
    pub versions: BTreeSet<String>,
    /// What a healthy installation sends per day (settings), kept with the sums so a
    /// day's row is complete without the settings.
    pub expected_heartbeats: u32,
}

/// (index into `SIZED`, installation, merchant, window start in unix seconds).
pub type WindowKey = (usize, Uuid, Uuid, i64);
/// (installation, merchant, day start in unix seconds).
pub type DayKey = (Uuid, Uuid, i64);
/// (installation, merchant, 1-minute window start in unix seconds, error code).
pub type CodeKey = (Uuid, Uuid, i64, String);

/// What one partition's segment has summed so far.
#[derive(Debug, Clone)]
pub struct SegmentSums {
    pub topic: TopicKind,
    pub partition: i32,
    /// Segment number: offsets `segment * SEGMENT_SIZE ..` of the partition.
    pub segment: i64,
    /// Highest offset folded in: a lower or equal one means the partition was rewound
    /// (a restart or a partition handed back after a rebalance).
    last_offset: i64,
    /// Records of the segment seen so far, counted or not: the rows' version.
    pub records: u32,
    pub windows: HashMap<WindowKey, WindowSum>,
    pub days: HashMap<DayKey, DaySum>,
    pub codes: HashMap<CodeKey, u32>,
}

impl SegmentSums {
    fn new(topic: TopicKind, partition: i32, segment: i64) -> Self {
        Self {
            topic,
            partition,
            segment,
            last_offset: -1,
            records: 0,
            windows: HashMap::new(),
            days: HashMap::new(),
            codes: HashMap::new(),
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
    received_at: DateTime<Utc>,
    heartbeat: Option<(&'a str, u64, f64)>,
    error_code: Option<&'a str>,
}

/// Where a record came from.
type Position = (TopicKind, i32, i64);

/// The segments in progress of every partition this instance reads.
#[derive(Debug)]
pub struct Accumulator {
    settings: WindowSettings,
    partitions: HashMap<(TopicKind, i32), SegmentSums>,
}

/// Result of folding a batch in.
#[derive(Debug, Default)]
pub struct Folded {
    /// Every segment the batch touched: those it completed (final sums) and those still
    /// in progress (sums so far, superseded by a later batch's).
    pub segments: Vec<SegmentSums>,
    /// Records whose own time was older than the lateness, counted at received −
    /// lateness instead (aggregator_late_records_total).
    pub late: u64,
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
    pub fn commit_offset(&self, topic: TopicKind, partition: i32) -> Option<i64> {
        self.partitions
            .get(&(topic, partition))
            .map(|s| s.segment * SEGMENT_SIZE)
    }

    /// Folds a batch in (records of a partition in offset order) and returns the sums
    /// of every segment it touched. `repeated` names error events (id, offset) that are
    /// later copies of one already counted: they advance the segment but count nothing.
    pub fn fold(
        &mut self,
        heartbeats: &[DecodedHeartbeat],
        events: &[DecodedEvent],
        repeated: &HashSet<(Uuid, i64)>,
    ) -> Folded {
        let mut out = Folded::default();
        let mut touched: BTreeSet<(TopicKind, i32)> = BTreeSet::new();
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
            let pos = (TopicKind::Heartbeats, h.partition, h.offset);
            seen(self, pos, Some(c), &mut out);
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
            seen(
                self,
                (TopicKind::Events, ev.partition, ev.offset),
                c,
                &mut out,
            );
        }
        for key in touched {
            if let Some(sums) = self.partitions.get(&key) {
                out.segments.push(sums.clone());
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
        let expected_heartbeats = self.settings.expected_heartbeats_per_day;
        let sums = self
            .partitions
            .entry((topic, partition))
            .or_insert_with(|| SegmentSums::new(topic, partition, segment));
        if offset <= sums.last_offset {
            // Rewound: the records will come again from the committed segment start.
            *sums = SegmentSums::new(topic, partition, segment);
        } else if segment != sums.segment {
            // The segment in progress is complete: hand out its final sums, start anew.
            let done = std::mem::replace(sums, SegmentSums::new(topic, partition, segment));
            out.segments.push(done);
        }
        sums.last_offset = offset;
        sums.records += 1;
        let Some(c) = c else { return };

        if c.clamped {
            // Counted at the oldest moment still open, in every window size alike (so
            // the sizes always add up); counted here so Ops see how often it happens.
            out.late += 1;
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
            .or_insert_with(|| DaySum {
                expected_heartbeats,
                ..DaySum::default()
            });
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
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

    /// (installation, window start, heartbeats, segment, records) of every 1-minute sum.
    fn minute_sums(folded: &Folded) -> Vec<(u128, i64, u32, i64, u32)> {
        let mut v: Vec<_> = folded
            .segments
            .iter()
            .flat_map(|s| {
                s.windows.iter().filter(|((size, ..), _)| *size == 0).map(
                    |(&(_, installation, _, start), w)| {
                        (
                            installation.as_u128(),
                            start,
                            w.heartbeats,
                            s.segment,
                            s.records,
                        )
                    },
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
        assert_eq!(folded.late, 1);
        assert_eq!(
            minute_sums(&folded),
            vec![
                (1, BASE, 2, 0, 4),
                (2, BASE + 60, 1, 0, 4),
                (3, BASE + 600, 1, 0, 4)
            ]
        );
        assert!(folded.segments[0]
            .windows
            .keys()
            .any(|&(size, installation, ..)| size == 2 && installation.as_u128() == 3));
        assert_eq!(acc.commit_offset(TopicKind::Heartbeats, 0), Some(0));
        assert_eq!(acc.commit_offset(TopicKind::Events, 0), None);
    }

    #[test]
    fn a_replay_after_a_rewind_sums_the_same() {
        let batch: Vec<_> = (0..5).map(|i| hb(1, i, BASE + i, BASE + i, 1)).collect();
        let mut acc = Accumulator::new(settings());
        let first = minute_sums(&acc.fold(&batch[..3], &[], &HashSet::new()));
        let full = minute_sums(&acc.fold(&batch[3..], &[], &HashSet::new()));
        // Restart: the same accumulator sees the segment again from its start.
        let replayed = minute_sums(&acc.fold(&batch, &[], &HashSet::new()));
        assert_eq!(replayed, full);
        assert_eq!(full[0].2, 5);
        assert!(
            first[0].4 < full[0].4,
            "a partial write has a lower version"
        );
    }

    #[test]
    fn crossing_a_segment_boundary_hands_out_the_finished_segment_and_moves_the_commit() {
        let mut acc = Accumulator::new(settings());
        let batch = [
            hb(1, SEGMENT_SIZE - 1, BASE, BASE, 0),
            hb(1, SEGMENT_SIZE, BASE + 1, BASE + 1, 0),
        ];
        let folded = acc.fold(&batch, &[], &HashSet::new());
        let segments: BTreeSet<i64> = folded.segments.iter().map(|s| s.segment).collect();
        assert_eq!(segments, BTreeSet::from([0, 1]));
        assert_eq!(
            acc.commit_offset(TopicKind::Heartbeats, 0),
            Some(SEGMENT_SIZE)
        );
        let finished = &folded.segments[0];
        assert_eq!(finished.segment, 0);
        let day = finished.days.values().next().expect("a day");
        assert_eq!(
            (
                day.window.heartbeats,
                day.hours.clone(),
                day.expected_heartbeats
            ),
            (1, BTreeSet::from([((BASE % 86_400) / 3600) as u8]), 24)
        );
    }

    #[test]
    fn the_newest_heartbeat_by_receipt_names_the_version() {
        let mut acc = Accumulator::new(settings());
        // Offset 1 was received first: offset 0's version is the newer one.
        let batch = [hb(1, 0, BASE, BASE + 2, 0), hb(1, 1, BASE, BASE + 1, 0)];
        let folded = acc.fold(&batch, &[], &HashSet::new());
        let versions: BTreeSet<&str> = folded.segments[0]
            .windows
            .values()
            .map(|w| w.plugin_version.as_str())
            .collect();
        assert_eq!(versions, BTreeSet::from(["1.0.0"]));
    }
}
