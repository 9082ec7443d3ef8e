//! The window sums of `crate::window` as rows of the `*_parts` tables, one row per
//! (installation, window, segment); the views users read add a window's segments up and
//! keep, per segment, the row that saw the most of it (`records`).

use clickhouse::{Client, Row};
use serde::Serialize;
use uuid::Uuid;

use super::{date, datetime, insert};
use crate::record::TopicKind;
use crate::window::{SegmentSums, SIZED};

/// The parts tables of the sized windows, in the order of `crate::window::SIZED`.
const WINDOW_TABLES: [&str; SIZED.len()] = [
    "error_rate_1m_parts",
    "error_rate_5m_parts",
    "error_rate_1h_parts",
];

/// Rows ready to write, per table.
#[derive(Debug, Default)]
pub struct Parts {
    pub windows: [Vec<WindowPartRow>; SIZED.len()],
    pub codes: Vec<CodePartRow>,
    pub days: Vec<DayPartRow>,
}

impl Parts {
    pub fn new(segments: &[SegmentSums]) -> Self {
        let mut parts = Self::default();
        for s in segments {
            parts.add(s);
        }
        parts
    }

    fn add(&mut self, s: &SegmentSums) {
        let segment = segment_id(s.topic, s.partition, s.segment);
        for (&(i, installation_id, merchant_id, start), w) in &s.windows {
            self.windows[i].push(WindowPartRow {
                installation_id,
                window_start: datetime(start),
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
            self.codes.push(CodePartRow {
                installation_id: *installation_id,
                window_start: datetime(*start),
                merchant_id: *merchant_id,
                segment,
                error_code: code.clone(),
                events: *n,
                records: s.records,
            });
        }
        for (&(installation_id, merchant_id, day), d) in &s.days {
            self.days.push(DayPartRow {
                installation_id,
                day: date(day),
                merchant_id,
                segment,
                cms: d.window.cms.clone(),
                last_version: d.window.plugin_version.clone(),
                version_rank: d.window.version_rank,
                heartbeats: d.window.heartbeats,
                expected_heartbeats: d.expected_heartbeats,
                requests: d.window.requests,
                errors: d.window.errors,
                error_events: d.window.error_events,
                hours: d.hours.iter().copied().collect(),
                versions_seen: d.versions.iter().cloned().collect(),
                records: s.records,
            });
        }
    }
}

/// The segment's id in the parts tables: topic, partition and segment number. The topic
/// numbers are in rows already written, so they never change.
fn segment_id(topic: TopicKind, partition: i32, segment: i64) -> u64 {
    let topic: u64 = match topic {
        TopicKind::Heartbeats => 0,
        TopicKind::Events => 1,
    };
    (topic << 56)
        | ((partition.max(0) as u64 & 0xFF_FFFF) << 32)
        | (segment.max(0) as u64 & 0xFFFF_FFFF)
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
    for (table, rows) in WINDOW_TABLES.iter().zip(&parts.windows) {
        insert(client, table, rows).await?;
    }
    insert(client, "error_codes_1m_parts", &parts.codes).await?;
    insert(client, "daily_health_parts", &parts.days).await
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use chrono::{Duration, TimeZone, Utc};
    use schemas::heartbeat::HeartbeatRequest;
    use schemas::Envelope;

    use super::*;
    use crate::record::DecodedHeartbeat;
    use crate::window::{Accumulator, WindowSettings, SEGMENT_SIZE};

    #[test]
    fn segment_ids_separate_topics_and_partitions() {
        use TopicKind::{Events, Heartbeats};
        assert_ne!(segment_id(Heartbeats, 1, 5), segment_id(Events, 1, 5));
        assert_ne!(segment_id(Heartbeats, 1, 5), segment_id(Heartbeats, 2, 5));
        assert_ne!(segment_id(Heartbeats, 1, 5), segment_id(Heartbeats, 1, 6));
        // The numbering of rows already stored.
        assert_eq!(segment_id(Heartbeats, 0, 7), 7);
        assert_eq!(segment_id(Events, 2, 7), (1 << 56) | (2 << 32) | 7);
    }

    #[test]
    fn a_segments_sums_become_one_row_per_table_and_key() {
        const BASE: i64 = 1_795_957_800; // a minute boundary
        let body = r#"{"cms":"woocommerce","plugin_version":"1.2.3","requests_last_hour":100,"errors_last_hour":2}"#;
        let payload = HeartbeatRequest::parse(body.as_bytes())
            .expect("valid")
            .heartbeat;
        let mut envelope = Envelope::new(Uuid::from_u128(1), Uuid::from_u128(2), payload);
        envelope.received_at = Utc.timestamp_opt(BASE + 5, 0).single().expect("time");
        let heartbeat = DecodedHeartbeat {
            partition: 3,
            offset: SEGMENT_SIZE + 4,
            envelope,
        };
        let mut acc = Accumulator::new(WindowSettings {
            lateness: Duration::seconds(600),
            expected_heartbeats_per_day: 24,
        });
        let folded = acc.fold(&[heartbeat], &[], &HashSet::new());
        let parts = Parts::new(&folded.segments);
        let segment = segment_id(TopicKind::Heartbeats, 3, 1);
        for rows in &parts.windows {
            assert_eq!(rows.len(), 1);
            assert_eq!((rows[0].segment, rows[0].records), (segment, 1));
        }
        assert_eq!(parts.windows[0][0].window_start, BASE as u32);
        assert!(parts.codes.is_empty());
        let day = &parts.days[0];
        assert_eq!(
            (day.day, day.last_version.as_str(), day.expected_heartbeats),
            (20_786, "1.2.3", 24)
        );
    }
}
