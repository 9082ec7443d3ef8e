//! Merchants and their API keys as Ops see them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A merchant as Ops see it. The contact address is personal data: the API shows it
/// to the people who manage merchants, and it is never logged.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Merchant {
    pub id: Uuid,
    pub name: String,
    pub email: Option<String>,
    pub locale: String,
    pub timezone: String,
    pub tier: String,
    pub created_at: DateTime<Utc>,
    pub installations: i64,
}

impl From<store::merchants::Merchant> for Merchant {
    fn from(m: store::merchants::Merchant) -> Self {
        Self {
            id: m.id,
            name: m.name,
            email: m.email,
            locale: m.locale,
            timezone: m.timezone,
            tier: m.tier,
            created_at: m.created_at,
            installations: m.installations,
        }
    }
}

/// A key as Ops see it: never the secret.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KeyInfo {
    pub id: Uuid,
    pub merchant_id: Uuid,
    pub prefix: String,
    pub label: Option<String>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<store::api_keys::KeyInfo> for KeyInfo {
    fn from(k: store::api_keys::KeyInfo) -> Self {
        Self {
            id: k.id,
            merchant_id: k.merchant_id,
            prefix: k.prefix,
            label: k.label,
            created_at: k.created_at,
            revoked_at: k.revoked_at,
        }
    }
}
