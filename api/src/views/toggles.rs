//! Toggles as Ops list them, and the answer to creating one.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

/// A toggle as Ops list it, revoked ones included when asked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ToggleInfo {
    pub id: Uuid,
    pub key: String,
    pub value: Value,
    pub scope: String,
    pub installation_id: Option<Uuid>,
    pub merchant_id: Option<Uuid>,
    pub cms: Option<String>,
    pub version_range: Option<String>,
    pub reason: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<String>,
    pub revoke_reason: Option<String>,
}

impl From<store::toggles::ToggleInfo> for ToggleInfo {
    fn from(t: store::toggles::ToggleInfo) -> Self {
        Self {
            id: t.id,
            key: t.key,
            value: t.value,
            scope: t.scope,
            installation_id: t.installation_id,
            merchant_id: t.merchant_id,
            cms: t.cms,
            version_range: t.version_range,
            reason: t.reason,
            expires_at: t.expires_at,
            created_by: t.created_by,
            created_at: t.created_at,
            revoked_at: t.revoked_at,
            revoked_by: t.revoked_by,
            revoke_reason: t.revoke_reason,
        }
    }
}

/// How many installations and merchants a scope reaches now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct BlastRadius {
    pub installations: i64,
    pub merchants: i64,
}

impl From<store::toggles::BlastRadius> for BlastRadius {
    fn from(b: store::toggles::BlastRadius) -> Self {
        Self {
            installations: b.installations,
            merchants: b.merchants,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ToggleCreated {
    /// Null on a dry run.
    pub toggle_id: Option<Uuid>,
    pub dry_run: bool,
    /// Installations (not uninstalled) and merchants the scope reaches now.
    pub blast_radius: BlastRadius,
}

/// Both toggle endpoints answer alike: 200 for a dry run (nothing was written), 201
/// once the toggle is written.
impl IntoResponse for ToggleCreated {
    fn into_response(self) -> Response {
        let status = if self.dry_run {
            StatusCode::OK
        } else {
            StatusCode::CREATED
        };
        (status, Json(self)).into_response()
    }
}
