//! The audit log, queried by actor, target and time.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::{ApiError, Params};
use crate::state::AppState;
use crate::views::audit::Entry;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    pub actor: Option<String>,
    /// toggle, release, installation, notification, merchant, api_key, agent.
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Page back: entries with a smaller id than this.
    pub before_id: Option<i64>,
    /// 1 to 500; 100 when absent.
    pub limit: Option<i64>,
}

/// Audit entries matching every given field, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Vec<Entry>)), security(("bearer" = [])))]
pub async fn query(
    State(state): State<Arc<AppState>>,
    Params(q): Params<AuditQuery>,
) -> Result<Json<Vec<Entry>>, ApiError> {
    let query = store::audit::Query {
        actor: q.actor,
        target_type: q.target_type,
        target_id: q.target_id,
        since: q.since,
        until: q.until,
        before_id: q.before_id,
    };
    let entries = store::audit::query(&state.pool, &query, q.limit.unwrap_or(100)).await?;
    Ok(Json(entries.into_iter().map(Entry::from).collect()))
}
