//! Raw rows of `plugin_telemetry.heartbeats` and `plugin_telemetry.events`, and which
//! records of a batch are later copies of one already stored.

use std::collections::{HashMap, HashSet};

use clickhouse::{Client, Row};
use schemas::window::event_time;
use serde::Serialize;
use uuid::Uuid;

use super::datetime;
use crate::record::{Decoded, DecodedEvent, DecodedHeartbeat};

#[derive(Debug, Row, Serialize)]
pub struct HeartbeatRow {
    #[serde(with = "clickhouse::serde::uuid")]
    pub event_id: Uuid,
    pub received_at: u32,
    pub received_at_ms: u64,
    pub event_time: u32,
    pub sent_at_ms: i64,
    #[serde(with = "clickhouse::serde::uuid")]
    pub merchant_id: Uuid,
    #[serde(with = "clickhouse::serde::uuid")]
    pub installation_id: Uuid,
    pub installation_id_derived: u8,
    pub cms: String,
    pub cms_version: String,
    pub plugin_version: String,
    pub plugin_version_valid: u8,
    pub sdk_language: String,
    pub runtime_version: String,
    pub site_host: String,
    pub environment: String,
    pub requests_last_hour: u64,
    pub errors_last_hour: f64,
    pub last_error_code: String,
    pub server_info: String,
    pub kafka_partition: u32,
    pub kafka_offset: u64,
}

impl From<&DecodedHeartbeat> for HeartbeatRow {
    fn from(d: &DecodedHeartbeat) -> Self {
        let e = &d.envelope;
        let h = &e.payload;
        let received_ms = e.received_at.timestamp_millis().max(0);
        Self {
            event_id: e.event_id,
            received_at: datetime(received_ms / 1000),
            received_at_ms: received_ms as u64,
            event_time: datetime(event_time(h.sent_at, e.received_at)),
            sent_at_ms: h.sent_at.map_or(0, |t| t.timestamp_millis()),
            merchant_id: e.merchant_id,
            installation_id: e.installation_id,
            installation_id_derived: u8::from(h.installation_id_derived),
            cms: h.cms.clone(),
            cms_version: h.cms_version.clone().unwrap_or_default(),
            plugin_version: h.plugin_version.clone(),
            plugin_version_valid: u8::from(h.plugin_version_valid),
            sdk_language: h.sdk_language.clone().unwrap_or_default(),
            runtime_version: h.runtime_version.clone().unwrap_or_default(),
            site_host: h.site_host.clone().unwrap_or_default(),
            environment: h.environment.clone(),
            requests_last_hour: h.requests_last_hour.unwrap_or(0),
            errors_last_hour: h.errors_last_hour,
            last_error_code: h.last_error_code.clone().unwrap_or_default(),
            server_info: serde_json::to_string(&h.server_info).unwrap_or_else(|_| "{}".into()),
            kafka_partition: d.partition.max(0) as u32,
            kafka_offset: d.offset.max(0) as u64,
        }
    }
}

#[derive(Debug, Row, Serialize)]
pub struct EventRow {
    #[serde(with = "clickhouse::serde::uuid")]
    pub event_id: Uuid,
    pub received_at: u32,
    pub received_at_ms: u64,
    pub event_time: u32,
    pub occurred_at_ms: i64,
    #[serde(with = "clickhouse::serde::uuid")]
    pub merchant_id: Uuid,
    #[serde(with = "clickhouse::serde::uuid")]
    pub installation_id: Uuid,
    pub installation_id_derived: u8,
    #[serde(rename = "type")]
    pub kind: String,
    pub cms: String,
    pub site_host: String,
    pub plugin_version: String,
    pub error_code: String,
    pub message: String,
    pub from_version: String,
    pub to_version: String,
    pub toggle_key: String,
    pub notice_id: String,
    pub data: String,
    pub kafka_partition: u32,
    pub kafka_offset: u64,
    pub dedup_rank: u64,
}

/// Ranks copies of one event id so that the first in its partition is kept.
fn dedup_rank(offset: i64) -> u64 {
    (1u64 << 63).saturating_sub(offset.max(0) as u64)
}

impl From<&DecodedEvent> for EventRow {
    fn from(d: &DecodedEvent) -> Self {
        let e = &d.envelope;
        let ev = &e.payload;
        let received_ms = e.received_at.timestamp_millis().max(0);
        let is_error = ev.kind == schemas::event::EventType::Error;
        Self {
            event_id: e.event_id,
            received_at: datetime(received_ms / 1000),
            received_at_ms: received_ms as u64,
            event_time: datetime(event_time(ev.occurred_at, e.received_at)),
            occurred_at_ms: ev.occurred_at.map_or(0, |t| t.timestamp_millis()),
            merchant_id: e.merchant_id,
            installation_id: e.installation_id,
            installation_id_derived: u8::from(ev.installation_id_derived),
            kind: ev.kind.as_str().to_owned(),
            cms: ev.cms.clone(),
            site_host: ev.site_host.clone().unwrap_or_default(),
            plugin_version: ev.plugin_version.clone().unwrap_or_default(),
            // An error without a code still counts, under a name analysts can group by.
            error_code: match &ev.error_code {
                Some(code) => code.clone(),
                None if is_error => "unknown".to_owned(),
                None => String::new(),
            },
            message: ev.message.clone().unwrap_or_default(),
            from_version: ev.from_version.clone().unwrap_or_default(),
            to_version: ev.to_version.clone().unwrap_or_default(),
            toggle_key: ev.toggle_key.clone().unwrap_or_default(),
            notice_id: ev.notice_id.clone().unwrap_or_default(),
            data: serde_json::to_string(&ev.data).unwrap_or_else(|_| "{}".into()),
            kafka_partition: d.partition.max(0) as u32,
            kafka_offset: d.offset.max(0) as u64,
            dedup_rank: dedup_rank(d.offset),
        }
    }
}

/// Writes a batch's raw rows; returns only after ClickHouse acknowledged both INSERTs.
pub async fn write(
    client: &Client,
    heartbeats: &[HeartbeatRow],
    events: &[EventRow],
) -> clickhouse::error::Result<()> {
    super::insert(client, "heartbeats", heartbeats).await?;
    super::insert(client, "events", events).await
}

#[derive(Row, serde::Deserialize)]
struct StoredCopy {
    installation_id: String,
    event_id: String,
    kafka_partition: u32,
    kafka_offset: u64,
}

/// One copy of a record with an idempotency id: where it sits in Kafka.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Copy {
    partition: i32,
    installation: Uuid,
    event: Uuid,
}

/// Error events of the batch that are later copies of an event id (a plugin retrying a
/// POST): an event counts only at its first offset in its partition, whether that first
/// copy was stored by an earlier batch or sits earlier in this one. Runs before the
/// batch's raw rows are written (a replayed batch finds its own copies at the same
/// offsets: they count).
///
/// Only copies in the same partition are compared: every earlier offset of a partition
/// was processed before this batch, so the answer is the same on every replay. Offsets of
/// different partitions say nothing about which copy came first, and comparing them let
/// a replay flip the counts. One installation's records share a partition (key =
/// installation id) as long as a topic's partition count never changes, which is why a
/// topic is never repartitioned in place (docs/operations.md).
pub async fn repeated_events(
    client: &Client,
    events: &[DecodedEvent],
) -> clickhouse::error::Result<HashSet<(Uuid, i64)>> {
    let errors: Vec<&DecodedEvent> = events
        .iter()
        .filter(|e| e.envelope.payload.kind == schemas::event::EventType::Error)
        .collect();
    repeated(client, "events", &errors).await
}

/// Heartbeats of the batch that are later copies of one sent with the same
/// `heartbeat_id` (a retry after a 503 whose first copy Kafka had stored), by the same
/// rule as `repeated_events`. Heartbeats without an id are never copies.
pub async fn repeated_heartbeats(
    client: &Client,
    heartbeats: &[DecodedHeartbeat],
) -> clickhouse::error::Result<HashSet<(Uuid, i64)>> {
    let idempotent: Vec<&DecodedHeartbeat> = heartbeats
        .iter()
        .filter(|h| h.envelope.payload.idempotent)
        .collect();
    repeated(client, "heartbeats", &idempotent).await
}

async fn repeated<T>(
    client: &Client,
    table: &str,
    records: &[&Decoded<T>],
) -> clickhouse::error::Result<HashSet<(Uuid, i64)>> {
    if records.is_empty() {
        return Ok(HashSet::new());
    }
    let list = |f: &dyn Fn(&Decoded<T>) -> Uuid| {
        records
            .iter()
            .map(|e| format!("'{}'", f(e)))
            .collect::<Vec<_>>()
            .join(",")
    };
    let sql = format!(
        "SELECT toString(installation_id), toString(event_id), kafka_partition, kafka_offset FROM {table} FINAL \
         WHERE installation_id IN (SELECT toUUID(arrayJoin([{}]))) AND event_id IN (SELECT toUUID(arrayJoin([{}])))",
        list(&|e| e.envelope.installation_id),
        list(&|e| e.envelope.event_id)
    );
    let stored: Vec<StoredCopy> = client
        .query(&sql)
        .with_option("max_query_size", "4194304")
        .fetch_all()
        .await?;
    let stored = stored.into_iter().filter_map(|c| {
        let copy = Copy {
            partition: i32::try_from(c.kafka_partition).ok()?,
            installation: c.installation_id.parse().ok()?,
            event: c.event_id.parse().ok()?,
        };
        Some((copy, c.kafka_offset.min(i64::MAX as u64) as i64))
    });
    Ok(later_copies(records, stored))
}

/// The batch's copies that are not the first of their id in their partition, given
/// the copies already stored.
fn later_copies<T>(
    batch: &[&Decoded<T>],
    stored: impl Iterator<Item = (Copy, i64)>,
) -> HashSet<(Uuid, i64)> {
    let copy = |e: &Decoded<T>| Copy {
        partition: e.partition,
        installation: e.envelope.installation_id,
        event: e.envelope.event_id,
    };
    let mut first: HashMap<Copy, i64> = HashMap::new();
    for e in batch {
        let at = first.entry(copy(e)).or_insert(e.offset);
        *at = (*at).min(e.offset);
    }
    for (c, offset) in stored {
        if let Some(at) = first.get_mut(&c) {
            *at = (*at).min(offset);
        }
    }
    batch
        .iter()
        .filter(|e| first.get(&copy(e)) != Some(&e.offset))
        .map(|e| (e.envelope.event_id, e.offset))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_event(partition: i32, offset: i64, installation: Uuid, event: Uuid) -> DecodedEvent {
        let body = format!(
            r#"{{"event_id":"{event}","type":"error","cms":"woocommerce","installation_id":"{installation}","error_code":"timeout"}}"#
        );
        let ev = schemas::event::EventRequest::parse_batch(body.as_bytes())
            .expect("valid")
            .remove(0)
            .event;
        DecodedEvent {
            partition,
            offset,
            envelope: schemas::Envelope::with_id(event, Uuid::from_u128(1), installation, ev),
        }
    }

    /// Defect (issue 16.17): first copies were found by comparing offsets across
    /// partitions, so a retry copy in another partition could count too, and a replay
    /// of the earlier batch after it was stored flipped the counts.
    #[test]
    fn first_copies_are_judged_within_their_partition_the_same_on_every_replay() {
        let (installation, event) = (Uuid::new_v4(), Uuid::new_v4());
        let a = error_event(1, 50, installation, event);
        let later_in_partition = error_event(1, 70, installation, event);
        // First pass: nothing stored; within the batch the later copy is a repeat.
        let batch = [&a, &later_in_partition];
        let first_pass = later_copies(&batch, std::iter::empty());
        assert_eq!(first_pass, HashSet::from([(event, 70)]));
        // Replay after a copy of the same event landed in partition 0 at a lower offset:
        // the answer is unchanged (it used to drop the copy at offset 50).
        let other = Copy {
            partition: 0,
            installation,
            event,
        };
        let stored = [
            (other, 10),
            (
                Copy {
                    partition: 1,
                    ..other
                },
                50,
            ),
        ];
        assert_eq!(later_copies(&batch, stored.into_iter()), first_pass);
        // A copy stored earlier in the same partition makes this one a repeat.
        let replayed = error_event(1, 90, installation, event);
        assert_eq!(
            later_copies(&[&replayed], stored.into_iter()),
            HashSet::from([(event, 90)])
        );
    }
}
