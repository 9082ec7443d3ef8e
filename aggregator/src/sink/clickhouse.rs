//! Raw heartbeat rows into `plugin_telemetry.heartbeats` (RowBinary, one INSERT per batch).

use clickhouse::{Client, Row};
use serde::Serialize;
use uuid::Uuid;

use crate::record::DecodedHeartbeat;

#[derive(Debug, Row, Serialize)]
pub struct HeartbeatRow {
    #[serde(with = "clickhouse::serde::uuid")]
    pub event_id: Uuid,
    pub received_at: u32,
    pub received_at_ms: u64,
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
            received_at: (received_ms / 1000).clamp(0, i64::from(u32::MAX)) as u32,
            received_at_ms: received_ms as u64,
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

/// Inserts the batch's rows; returns only after ClickHouse acknowledged the INSERT.
pub async fn insert_heartbeats(
    client: &Client,
    batch: &[DecodedHeartbeat],
) -> clickhouse::error::Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let mut insert = client.insert::<HeartbeatRow>("heartbeats")?;
    for d in batch {
        insert.write(&HeartbeatRow::from(d)).await?;
    }
    insert.end().await
}
