//! Upgrade notices: list, one notice with its delivery log, acknowledge.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use store::notifications::NoticeFilter;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{parse_id, ApiError, Params};
use crate::state::AppState;
use crate::views::notifications::{Attempt, Delivery, Notice};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NoticeQuery {
    pub installation_id: Option<Uuid>,
    pub merchant_id: Option<Uuid>,
    pub acked: Option<bool>,
    /// Page back: the last notice's `created_at` on the previous page…
    pub before: Option<DateTime<Utc>>,
    /// …and its `id` (notices created together share a time; without it some may be
    /// missed).
    pub before_id: Option<Uuid>,
    pub limit: Option<i64>,
}

/// Notices, newest first.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", params(NoticeQuery),
    responses((status = 200, body = Vec<Notice>)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    Params(q): Params<NoticeQuery>,
) -> Result<Json<Vec<Notice>>, ApiError> {
    let f = NoticeFilter {
        installation_id: q.installation_id,
        merchant_id: q.merchant_id,
        acked: q.acked,
        before: crate::error::page_before(q.before, q.before_id)?,
    };
    let notices = store::notifications::list(&state.pool, &f, q.limit.unwrap_or(50)).await?;
    Ok(Json(notices.into_iter().map(Notice::from).collect()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeDetail {
    pub notification: Notice,
    pub deliveries: Vec<Delivery>,
    /// Every attempt and its outcome, oldest first.
    pub attempts: Vec<Attempt>,
}

/// A notice, its deliveries (one per channel) and the delivery log.
#[utoipa::path(get, path = "/api/v1/notifications/{id}", tag = "notifications",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = NoticeDetail), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn detail(
    State(state): State<Arc<AppState>>,
    Path(raw_id): Path<String>,
) -> Result<Json<NoticeDetail>, ApiError> {
    let id = parse_id(&raw_id, "notification")?;
    let notification = store::notifications::get(&state.pool, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("notification {id}")))?;
    let (deliveries, attempts) = store::notifications::delivery_log(&state.pool, id).await?;
    Ok(Json(NoticeDetail {
        notification: notification.into(),
        deliveries: deliveries.into_iter().map(Delivery::from).collect(),
        attempts: attempts.into_iter().map(Attempt::from).collect(),
    }))
}

/// Records that the merchant acknowledged a notice (e.g. told by phone); escalation stops.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/ack", tag = "notifications",
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem, description = "already acknowledged")),
    security(("bearer" = [])))]
pub async fn ack(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(raw_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = parse_id(&raw_id, "notification")?;
    if store::notifications::acknowledge(&state.pool, id, "api", &caller.actor()).await? {
        return Ok(StatusCode::NO_CONTENT);
    }
    match store::notifications::get(&state.pool, id).await? {
        None => Err(ApiError::NotFound(format!("notification {id}"))),
        Some(_) => Err(ApiError::Conflict {
            code: "already_acknowledged",
            message: "the notice was already acknowledged".into(),
        }),
    }
}
