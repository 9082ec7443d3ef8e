//! The original contract's stats endpoints: the fleet overview (from memory, see `overview.rs`) and
//! one installation's daily health (ClickHouse).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::error::{parse_id, ApiError, Params};
use crate::state::AppState;
use crate::views::fleet::FleetSummary;
use crate::views::health::DailyHealth;

/// Active, outdated, high error rate and average error rate; by CMS; version adoption.
#[utoipa::path(get, path = "/api/v1/plugins/stats/overview", tag = "stats",
    responses((status = 200, body = FleetSummary)), security(("bearer" = [])))]
pub async fn overview(State(state): State<Arc<AppState>>) -> Result<Json<FleetSummary>, ApiError> {
    let summary = match state.overview.latest() {
        Some(s) => s,
        None => state.overview.refresh(&state.pool).await?,
    };
    Ok(Json((*summary).clone().into()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HealthQuery {
    /// 1 to 90; 30 when absent.
    pub days: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub installation_id: Uuid,
    pub days: u32,
    /// Oldest first; days without heartbeats are absent.
    pub daily: Vec<DailyHealth>,
}

/// An installation's daily health for the last N days.
#[utoipa::path(get, path = "/api/v1/plugins/stats/health/{id}", tag = "stats",
    params(("id" = Uuid, Path), HealthQuery),
    responses((status = 200, body = Health), (status = 404, body = crate::error::Problem),
        (status = 503, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn health(
    State(state): State<Arc<AppState>>,
    Path(raw_id): Path<String>,
    Params(q): Params<HealthQuery>,
) -> Result<Json<Health>, ApiError> {
    let id = parse_id(&raw_id, "installation")?;
    let days = q.days.unwrap_or(30);
    if !(1..=90).contains(&days) {
        return Err(ApiError::invalid("days", "days must be between 1 and 90"));
    }
    let installation = store::installations::get(&state.pool, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("installation {id}")))?;
    let daily = store::health::plugin_health(
        &state.clickhouse,
        installation.merchant_id,
        installation.reported_id,
        days,
    )
    .await?;
    Ok(Json(Health {
        installation_id: id,
        days,
        daily: daily.into_iter().map(DailyHealth::from).collect(),
    }))
}
