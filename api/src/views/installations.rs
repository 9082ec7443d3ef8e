//! Installations as Ops list and see them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Installation {
    pub id: Uuid,
    /// The id the plugin sends (ClickHouse rows carry it with the merchant): the same
    /// as `id` unless another merchant's plugin reported it first.
    pub reported_id: Uuid,
    pub merchant_id: Uuid,
    pub cms: String,
    pub cms_version: Option<String>,
    pub plugin_version: String,
    pub sdk_language: Option<String>,
    pub runtime_version: Option<String>,
    pub site_host: Option<String>,
    pub environment: String,
    pub status: String,
    pub is_outdated: bool,
    pub is_critical: bool,
    pub is_blocked: bool,
    /// Errors per 100 requests in the last reported hour.
    pub error_rate: f64,
    pub last_error_code: Option<String>,
    pub heartbeat_count: i64,
    pub first_seen_at: DateTime<Utc>,
    pub last_heartbeat_at: DateTime<Utc>,
}

impl From<store::installations::Installation> for Installation {
    fn from(i: store::installations::Installation) -> Self {
        Self {
            id: i.id,
            reported_id: i.reported_id,
            merchant_id: i.merchant_id,
            cms: i.cms,
            cms_version: i.cms_version,
            plugin_version: i.plugin_version,
            sdk_language: i.sdk_language,
            runtime_version: i.runtime_version,
            site_host: i.site_host,
            environment: i.environment,
            status: i.status.as_str().to_owned(),
            is_outdated: i.is_outdated,
            is_critical: i.is_critical,
            is_blocked: i.is_blocked,
            error_rate: i.error_rate,
            last_error_code: i.last_error_code,
            heartbeat_count: i.heartbeat_count,
            first_seen_at: i.first_seen_at,
            last_heartbeat_at: i.last_heartbeat_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Page {
    pub items: Vec<Installation>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

impl From<store::installations::Page> for Page {
    fn from(p: store::installations::Page) -> Self {
        Self {
            items: p.items.into_iter().map(Installation::from).collect(),
            next_cursor: p.next_cursor,
        }
    }
}
