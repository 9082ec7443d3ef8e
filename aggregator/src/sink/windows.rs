//! Windowed error rates (1 min, 5 min, 1 h) and daily health, recomputed in ClickHouse
//! from the deduplicated raw rows for the installations and time range a batch touched.
//!
//! Why recompute instead of adding a batch's counts: a window's final value must not
//! depend on how records were split into batches, replayed after a crash, or shared
//! between two consumers during a rebalance. A window row is a pure function of the raw
//! tables, which only grow and collapse duplicates, so every recomputation writes the
//! same (or a more complete) row; `version` = raw rows seen keeps the most complete.

use std::collections::BTreeMap;

use chrono::Duration;
use clickhouse::Client;
use schemas::window::{event_time, Window};
use uuid::Uuid;

use crate::record::{DecodedEvent, DecodedHeartbeat};

const RAW_ROWS: &str = include_str!("sql/raw_rows.sql");
const WINDOW_ROWS: &str = include_str!("sql/window_rows.sql");
const DAILY_HEALTH: &str = include_str!("sql/daily_health.sql");

/// Installations per statement: keeps the statement well under ClickHouse's 256 KiB
/// max_query_size (each id appears twice, ~50 bytes each).
const INSTALLATIONS_PER_STATEMENT: usize = 500;

#[derive(Debug, Clone, Copy)]
pub struct WindowSettings {
    pub lateness: Duration,
    pub expected_heartbeats_per_day: u32,
}

/// What a batch touched in one window size: per installation, the range of window
/// starts [first, last], and how many of its records were too late to count.
#[derive(Debug, Default, PartialEq)]
pub struct Touched {
    pub ranges: BTreeMap<Uuid, (i64, i64)>,
    pub late: u64,
}

/// The windows a batch's records fall in, per size. Only heartbeats and error events
/// feed windows; a late record touches nothing (it stays raw).
pub fn touched(
    heartbeats: &[DecodedHeartbeat],
    events: &[DecodedEvent],
    window: Window,
    lateness: Duration,
) -> Touched {
    let mut t = Touched::default();
    let times = heartbeats
        .iter()
        .map(|h| {
            (
                h.envelope.installation_id,
                event_time(h.envelope.payload.sent_at, h.envelope.received_at),
                h.envelope.received_at,
            )
        })
        .chain(
            events
                .iter()
                .filter(|e| e.envelope.payload.kind == schemas::event::EventType::Error)
                .map(|e| {
                    (
                        e.envelope.installation_id,
                        event_time(e.envelope.payload.occurred_at, e.envelope.received_at),
                        e.envelope.received_at,
                    )
                }),
        );
    for (installation, at, received_at) in times {
        if window.is_late(at, received_at, lateness) {
            t.late += 1;
            continue;
        }
        let start = window.start(at);
        t.ranges
            .entry(installation)
            .and_modify(|(lo, hi)| {
                *lo = (*lo).min(start);
                *hi = (*hi).max(start);
            })
            .or_insert((start, start));
    }
    t
}

/// The statements recomputing `touched` windows of one size.
pub fn statements(window: Window, touched: &Touched, settings: WindowSettings) -> Vec<String> {
    let size = window.seconds();
    let ids: Vec<(&Uuid, &(i64, i64))> = touched.ranges.iter().collect();
    ids.chunks(INSTALLATIONS_PER_STATEMENT)
        .map(|chunk| {
            let from = chunk.iter().map(|(_, r)| r.0).min().unwrap_or(0);
            let to = chunk.iter().map(|(_, r)| r.1).max().unwrap_or(0) + size;
            let installations = chunk
                .iter()
                .map(|(id, _)| format!("toUUID('{id}')"))
                .collect::<Vec<_>>()
                .join(", ");
            let template = if window == Window::Day {
                DAILY_HEALTH
            } else {
                WINDOW_ROWS
            };
            template
                .replace("{raw_rows}", RAW_ROWS)
                .replace("{table}", window.table())
                .replace("{size}", &size.to_string())
                .replace(
                    "{lateness_ms}",
                    &settings.lateness.num_milliseconds().to_string(),
                )
                .replace(
                    "{expected_heartbeats}",
                    &settings.expected_heartbeats_per_day.to_string(),
                )
                .replace("{installations}", &installations)
                .replace("{from}", &from.max(0).to_string())
                .replace("{to}", &to.max(0).to_string())
        })
        .collect()
}

/// Runs the statements; returns only after ClickHouse acknowledged every INSERT.
pub async fn recompute(client: &Client, statements: &[String]) -> clickhouse::error::Result<()> {
    for sql in statements {
        // The statements hold no user input but ids and numbers; `?` must not be
        // read as a bind placeholder, and there is none.
        client.query(sql).execute().await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use schemas::heartbeat::HeartbeatRequest;
    use schemas::Envelope;

    fn hb(installation: u128, sent: i64, received: i64) -> DecodedHeartbeat {
        let body = format!(
            r#"{{"cms":"woocommerce","plugin_version":"1.0.0","sent_at":"{}"}}"#,
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
            offset: 0,
            envelope,
        }
    }

    #[test]
    fn a_batch_touches_each_installations_window_range_and_skips_late_records() {
        let lateness = Duration::seconds(600);
        let base = 1_795_957_800; // a minute boundary
        let batch = [
            hb(1, base + 5, base + 6),
            hb(1, base + 125, base + 126),
            hb(2, base + 30, base + 31),
            // Sent in the first minute, received 20 minutes later: late for 1 min.
            hb(3, base + 10, base + 1210),
        ];
        let t = touched(&batch, &[], Window::OneMinute, lateness);
        assert_eq!(t.late, 1);
        assert_eq!(t.ranges[&Uuid::from_u128(1)], (base, base + 120));
        assert_eq!(t.ranges[&Uuid::from_u128(2)], (base, base));
        assert!(!t.ranges.contains_key(&Uuid::from_u128(3)));
        // On time for its hour.
        assert_eq!(touched(&batch, &[], Window::OneHour, lateness).late, 0);
    }

    #[test]
    fn statements_fill_every_placeholder_and_chunk_installations() {
        let mut t = Touched::default();
        for i in 0..1200u128 {
            t.ranges.insert(Uuid::from_u128(i), (60, 120));
        }
        let settings = WindowSettings {
            lateness: Duration::seconds(600),
            expected_heartbeats_per_day: 24,
        };
        for w in Window::ALL {
            let sql = statements(w, &t, settings);
            assert_eq!(sql.len(), 3);
            for s in &sql {
                assert!(!s.contains('{'), "unfilled placeholder in {s}");
                assert!(s.contains(w.table()));
                assert!(s.len() < 200 * 1024, "statement too large: {}", s.len());
            }
        }
    }
}
