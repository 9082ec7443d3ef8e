//! Upgrade notices and their delivery log.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Notice {
    pub id: Uuid,
    pub installation_id: Uuid,
    pub merchant_id: Uuid,
    pub cms: String,
    pub from_version: String,
    pub to_version: String,
    pub upgrade_type: String,
    pub priority: String,
    pub critical: bool,
    pub trigger: String,
    pub message: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub acked_at: Option<DateTime<Utc>>,
    pub acked_via: Option<String>,
}

impl From<store::notifications::Notice> for Notice {
    fn from(n: store::notifications::Notice) -> Self {
        Self {
            id: n.id,
            installation_id: n.installation_id,
            merchant_id: n.merchant_id,
            cms: n.cms,
            from_version: n.from_version,
            to_version: n.to_version,
            upgrade_type: n.upgrade_type,
            priority: n.priority,
            critical: n.critical,
            trigger: n.trigger,
            message: n.message,
            created_by: n.created_by,
            created_at: n.created_at,
            acked_at: n.acked_at,
            acked_via: n.acked_via,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Delivery {
    /// The idempotency id every attempt of this delivery carries.
    pub id: Uuid,
    pub channel: String,
    pub status: String,
    pub attempts: i32,
    pub not_before: DateTime<Utc>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl From<store::notifications::Delivery> for Delivery {
    fn from(d: store::notifications::Delivery) -> Self {
        Self {
            id: d.id,
            // The channel's name, as the API has always shown it.
            channel: d.channel.as_str().to_owned(),
            status: d.status,
            attempts: d.attempts,
            not_before: d.not_before,
            last_error: d.last_error,
            delivered_at: d.delivered_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Attempt {
    pub delivery_id: Uuid,
    pub attempt: i32,
    pub at: DateTime<Utc>,
    pub outcome: String,
    pub detail: Option<String>,
}

impl From<store::notifications::Attempt> for Attempt {
    fn from(a: store::notifications::Attempt) -> Self {
        Self {
            delivery_id: a.delivery_id,
            attempt: a.attempt,
            at: a.at,
            outcome: a.outcome,
            detail: a.detail,
        }
    }
}
