//! An installation's health from ClickHouse: daily rows and its last heartbeats.

use serde::Serialize;
use utoipa::ToSchema;

/// One day of an installation's health (see docs/analysts.md, `daily_health`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DailyHealth {
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    pub heartbeats: u64,
    pub expected_heartbeats: u32,
    pub uptime_share: f64,
    pub requests: u64,
    pub errors: f64,
    pub error_events: u64,
    pub error_rate: f64,
    pub versions_seen: Vec<String>,
    pub last_version: String,
}

impl From<store::health::DailyHealth> for DailyHealth {
    fn from(d: store::health::DailyHealth) -> Self {
        Self {
            day: d.day,
            heartbeats: d.heartbeats,
            expected_heartbeats: d.expected_heartbeats,
            uptime_share: d.uptime_share,
            requests: d.requests,
            errors: d.errors,
            error_events: d.error_events,
            error_rate: d.error_rate,
            versions_seen: d.versions_seen,
            last_version: d.last_version,
        }
    }
}

/// One raw heartbeat as Ops see it on an installation's page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecentHeartbeat {
    /// UTC, `YYYY-MM-DD hh:mm:ss`.
    pub received_at: String,
    pub plugin_version: String,
    pub cms_version: String,
    pub requests_last_hour: u64,
    pub errors_last_hour: f64,
    pub last_error_code: String,
}

impl From<store::health::RecentHeartbeat> for RecentHeartbeat {
    fn from(h: store::health::RecentHeartbeat) -> Self {
        Self {
            received_at: h.received_at,
            plugin_version: h.plugin_version,
            cms_version: h.cms_version,
            requests_last_hour: h.requests_last_hour,
            errors_last_hour: h.errors_last_hour,
            last_error_code: h.last_error_code,
        }
    }
}
