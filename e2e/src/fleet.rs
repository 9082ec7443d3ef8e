//! A synthetic fleet with known totals, and the truth every window and daily row must
//! equal, computed here independently of the aggregator (plain arithmetic on the
//! generated records, no SQL).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use schemas::event::{Event, EventType};
use schemas::heartbeat::Heartbeat;
use schemas::{Envelope, EventEnvelope, HeartbeatEnvelope};
use uuid::Uuid;

use crate::TestEnv;

pub struct Dataset {
    pub merchant: Uuid,
    pub heartbeats: Vec<HeartbeatEnvelope>,
    /// Distinct events; `duplicates` re-sends some of them (same event_id).
    pub events: Vec<EventEnvelope>,
    pub duplicates: Vec<EventEnvelope>,
}

const CODES: [&str; 3] = ["card_declined", "timeout", "3ds_failed"];

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).single().expect("valid time")
}

/// `installations` plugins beating over `span` ending a minute ago, received within
/// 3 s of sending (none late), with error events (some sent twice) and other events.
/// Records come out in receipt order, as Kafka would hold them.
pub fn generate(
    merchant: Uuid,
    installations: usize,
    beats: usize,
    events_per: usize,
    span: Duration,
    seed: u64,
) -> Dataset {
    let mut rng = StdRng::seed_from_u64(seed);
    let end = Utc::now().timestamp() - 60;
    let start = end - span.num_seconds();
    let mut heartbeats = Vec::new();
    let mut events = Vec::new();
    let mut duplicates = Vec::new();
    for _ in 0..installations {
        let installation = Uuid::new_v4();
        // Some installations upgrade halfway through.
        let upgrade_at = if rng.gen_bool(0.3) {
            start + span.num_seconds() / 2
        } else {
            i64::MAX
        };
        for _ in 0..beats {
            let sent = rng.gen_range(start..end);
            let requests: Option<u64> = if rng.gen_bool(0.9) {
                Some(rng.gen_range(0..500))
            } else {
                None
            };
            let errors = requests.map_or(0, |r| rng.gen_range(0..=r / 10)) as f64;
            let payload = Heartbeat {
                installation_id_derived: false,
                cms: "woocommerce".into(),
                cms_version: Some("6.4".into()),
                plugin_version: if sent >= upgrade_at {
                    "1.3.5".into()
                } else {
                    "1.3.0".into()
                },
                plugin_version_valid: true,
                sdk_language: Some("php".into()),
                runtime_version: Some("8.2".into()),
                site_host: None,
                environment: "production".into(),
                requests_last_hour: requests,
                errors_last_hour: errors,
                last_error_code: None,
                server_info: BTreeMap::new(),
                sent_at: Some(at(sent)),
                idempotent: false,
            };
            let mut e = Envelope::new(merchant, installation, payload);
            e.received_at = at(sent + rng.gen_range(0..3));
            heartbeats.push(e);
        }
        for _ in 0..events_per {
            let occurred = rng.gen_range(start..end);
            let kind = if rng.gen_bool(0.8) {
                EventType::Error
            } else {
                EventType::UpgradeSucceeded
            };
            let payload = Event {
                kind,
                installation_id_derived: false,
                cms: "woocommerce".into(),
                site_host: None,
                plugin_version: Some("1.3.0".into()),
                occurred_at: Some(at(occurred)),
                error_code: (kind == EventType::Error)
                    .then(|| CODES[rng.gen_range(0..CODES.len())].to_owned()),
                message: None,
                from_version: None,
                to_version: None,
                toggle_key: None,
                notice_id: None,
                data: BTreeMap::new(),
            };
            let mut e = Envelope::with_id(Uuid::new_v4(), merchant, installation, payload);
            e.received_at = at(occurred + rng.gen_range(0..3));
            if rng.gen_bool(0.1) {
                let mut again = e.clone();
                again.received_at = e.received_at + Duration::seconds(1);
                duplicates.push(again);
            }
            events.push(e);
        }
    }
    heartbeats.sort_by_key(|e| e.received_at);
    events.sort_by_key(|e| e.received_at);
    Dataset {
        merchant,
        heartbeats,
        events,
        duplicates,
    }
}

/// One window's expected content.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct WindowTruth {
    pub heartbeats: u64,
    pub requests: u64,
    pub errors: f64,
    pub error_events: u64,
    pub codes: BTreeMap<String, u64>,
}

/// Expected windows of `size` seconds, keyed by (installation, window start).
pub fn window_truth(ds: &Dataset, size: i64) -> BTreeMap<(Uuid, i64), WindowTruth> {
    let mut out: BTreeMap<(Uuid, i64), WindowTruth> = BTreeMap::new();
    for h in &ds.heartbeats {
        let t = h
            .payload
            .sent_at
            .expect("generated with sent_at")
            .timestamp();
        let w = out.entry((h.installation_id, t - t % size)).or_default();
        w.heartbeats += 1;
        w.requests += h.payload.requests_last_hour.unwrap_or(0);
        w.errors += h.payload.errors_last_hour;
    }
    for e in ds
        .events
        .iter()
        .filter(|e| e.payload.kind == EventType::Error)
    {
        let t = e
            .payload
            .occurred_at
            .expect("generated with occurred_at")
            .timestamp();
        let w = out.entry((e.installation_id, t - t % size)).or_default();
        w.error_events += 1;
        *w.codes
            .entry(e.payload.error_code.clone().unwrap_or_default())
            .or_default() += 1;
    }
    out
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct DayTruth {
    pub heartbeats: u64,
    pub requests: u64,
    pub errors: f64,
    pub error_events: u64,
    pub hours: u64,
    pub versions: Vec<String>,
    pub last_version: String,
}

pub fn daily_truth(ds: &Dataset) -> BTreeMap<(Uuid, i64), DayTruth> {
    let mut hours: BTreeMap<(Uuid, i64), BTreeSet<i64>> = BTreeMap::new();
    let mut versions: BTreeMap<(Uuid, i64), BTreeSet<String>> = BTreeMap::new();
    let mut last: BTreeMap<(Uuid, i64), (DateTime<Utc>, String)> = BTreeMap::new();
    let mut out: BTreeMap<(Uuid, i64), DayTruth> = BTreeMap::new();
    for h in &ds.heartbeats {
        let t = h.payload.sent_at.expect("sent_at").timestamp();
        let key = (h.installation_id, t - t % 86_400);
        let d = out.entry(key).or_default();
        d.heartbeats += 1;
        d.requests += h.payload.requests_last_hour.unwrap_or(0);
        d.errors += h.payload.errors_last_hour;
        hours.entry(key).or_default().insert(t - t % 3600);
        versions
            .entry(key)
            .or_default()
            .insert(h.payload.plugin_version.clone());
        let l = last
            .entry(key)
            .or_insert((h.received_at, h.payload.plugin_version.clone()));
        if h.received_at >= l.0 {
            *l = (h.received_at, h.payload.plugin_version.clone());
        }
    }
    for e in ds
        .events
        .iter()
        .filter(|e| e.payload.kind == EventType::Error)
    {
        let t = e.payload.occurred_at.expect("occurred_at").timestamp();
        out.entry((e.installation_id, t - t % 86_400))
            .or_default()
            .error_events += 1;
    }
    for (key, d) in out.iter_mut() {
        d.hours = hours.get(key).map_or(0, |h| h.len() as u64);
        d.versions = versions
            .get(key)
            .map(|v| v.iter().cloned().collect())
            .unwrap_or_default();
        d.last_version = last.get(key).map(|l| l.1.clone()).unwrap_or_default();
    }
    out
}

#[derive(clickhouse::Row, serde::Deserialize)]
struct WindowRow {
    installation: String,
    start: u32,
    heartbeats: u64,
    requests: u64,
    errors: f64,
    error_events: u64,
}

#[derive(clickhouse::Row, serde::Deserialize)]
struct CodeRow {
    installation: String,
    start: u32,
    code: String,
    events: u64,
}

/// The merchant's windows of one view as ClickHouse reads them, with the error codes
/// of `error_codes_1m` grouped to the same window size.
pub async fn window_rows(
    env: &TestEnv,
    table: &str,
    merchant: Uuid,
) -> BTreeMap<(Uuid, i64), WindowTruth> {
    let size = match table {
        "error_rate_1m" => 60,
        "error_rate_5m" => 300,
        _ => 3600,
    };
    let rows: Vec<WindowRow> = env
        .clickhouse
        .query(&format!(
            "SELECT toString(installation_id), toUInt32(window_start), toUInt64(heartbeats), requests, errors, \
             toUInt64(error_events) FROM {table} WHERE merchant_id = toUUID(?)"
        ))
        .bind(merchant.to_string())
        .fetch_all()
        .await
        .expect("window rows");
    let codes: Vec<CodeRow> = env
        .clickhouse
        .query(&format!(
            "SELECT toString(installation_id), toUInt32(intDiv(toUInt32(window_start), {size}) * {size}) AS start, \
             error_code, toUInt64(sum(events)) FROM error_codes_1m WHERE merchant_id = toUUID(?) \
             GROUP BY installation_id, start, error_code"
        ))
        .bind(merchant.to_string())
        .fetch_all()
        .await
        .expect("code rows");
    let mut out: BTreeMap<(Uuid, i64), WindowTruth> = rows
        .into_iter()
        .map(|r| {
            (
                (r.installation.parse().expect("uuid"), i64::from(r.start)),
                WindowTruth {
                    heartbeats: r.heartbeats,
                    requests: r.requests,
                    errors: r.errors,
                    error_events: r.error_events,
                    codes: BTreeMap::new(),
                },
            )
        })
        .collect();
    for c in codes {
        let key = (c.installation.parse().expect("uuid"), i64::from(c.start));
        out.entry(key).or_default().codes.insert(c.code, c.events);
    }
    out
}

#[derive(clickhouse::Row, serde::Deserialize)]
struct DayRow {
    installation: String,
    day: u32,
    heartbeats: u64,
    requests: u64,
    errors: f64,
    error_events: u64,
    uptime_share: f64,
    versions: Vec<String>,
    last_version: String,
}

pub async fn daily_rows(env: &TestEnv, merchant: Uuid) -> BTreeMap<(Uuid, i64), DayTruth> {
    let rows: Vec<DayRow> = env
        .clickhouse
        .query(
            "SELECT toString(installation_id), toUInt32(toDateTime(day, 'UTC')), toUInt64(heartbeats), requests, \
             errors, toUInt64(error_events), uptime_share, versions_seen, last_version FROM daily_health \
             WHERE merchant_id = toUUID(?)",
        )
        .bind(merchant.to_string())
        .fetch_all()
        .await
        .expect("daily rows");
    rows.into_iter()
        .map(|r| {
            (
                (r.installation.parse().expect("uuid"), i64::from(r.day)),
                DayTruth {
                    heartbeats: r.heartbeats,
                    requests: r.requests,
                    errors: r.errors,
                    error_events: r.error_events,
                    hours: (r.uptime_share * 24.0).round() as u64,
                    versions: r.versions,
                    last_version: r.last_version,
                },
            )
        })
        .collect()
}

/// Polls until every window table and daily_health equal the truth, or panics after
/// `timeout` with the first differences.
pub async fn assert_matches_truth(env: &TestEnv, ds: &Dataset, timeout: std::time::Duration) {
    let deadline = std::time::Instant::now() + timeout;
    let tables = [
        ("error_rate_1m", 60),
        ("error_rate_5m", 300),
        ("error_rate_1h", 3600),
    ];
    let truths: Vec<_> = tables
        .iter()
        .map(|(_, size)| window_truth(ds, *size))
        .collect();
    let day_truth = daily_truth(ds);
    loop {
        let mut diffs = Vec::new();
        for ((table, _), truth) in tables.iter().zip(&truths) {
            let actual = window_rows(env, table, ds.merchant).await;
            if &actual != truth {
                diffs.push(describe(table, truth, &actual));
            }
        }
        let actual = daily_rows(env, ds.merchant).await;
        if actual != day_truth {
            diffs.push(describe("daily_health", &day_truth, &actual));
        }
        if diffs.is_empty() {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "after {timeout:?}:\n{}",
            diffs.join("\n")
        );
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
}

fn describe<V: std::fmt::Debug + PartialEq>(
    table: &str,
    truth: &BTreeMap<(Uuid, i64), V>,
    actual: &BTreeMap<(Uuid, i64), V>,
) -> String {
    let missing = truth.keys().filter(|k| !actual.contains_key(k)).count();
    let extra = actual.keys().filter(|k| !truth.contains_key(k)).count();
    let wrong: Vec<String> = truth
        .iter()
        .filter_map(|(k, v)| {
            actual
                .get(k)
                .filter(|a| *a != v)
                .map(|a| format!("  {k:?}: want {v:?}, got {a:?}"))
        })
        .take(3)
        .collect();
    format!(
        "{table}: {} expected rows, {} actual, {missing} missing, {extra} extra\n{}",
        truth.len(),
        actual.len(),
        wrong.join("\n")
    )
}
