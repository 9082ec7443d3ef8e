//! Audit log entries.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Entry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub source_address: Option<String>,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub reason: Option<String>,
}

impl From<store::audit::Entry> for Entry {
    fn from(e: store::audit::Entry) -> Self {
        Self {
            id: e.id,
            at: e.at,
            actor: e.actor,
            source_address: e.source_address,
            action: e.action,
            target_type: e.target_type,
            target_id: e.target_id,
            before: e.before,
            after: e.after,
            reason: e.reason,
        }
    }
}
