//! The original contract's installation endpoints: the list, one installation, and the two Ops
//! actions on it (set a toggle, send an upgrade notice).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use policy::advice::UpgradeAdvice;
use policy::status::Status;
use policy::toggles::EffectiveToggle;
use policy::InstallationFacts;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use store::installations::{Cursor, Filter, Installation};
use store::notifications::{NewNotice, Trigger};
use store::toggles::{NewToggle, ScopeSpec};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{parse_id, ApiError, Body, Params};
use crate::requests::expiry;
use crate::state::AppState;
use crate::toggle_changes::create_toggle;
use crate::views::health::RecentHeartbeat;
use crate::views::installations::Page;
use crate::views::notifications::Notice;
use crate::views::toggles::ToggleCreated;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// active, outdated, stale, error, blocked or uninstalled.
    pub status: Option<String>,
    pub cms: Option<String>,
    /// Exactly as reported, e.g. 1.2.3.
    pub version: Option<String>,
    pub merchant_id: Option<Uuid>,
    /// An installation or merchant id, or the start of a site host.
    pub q: Option<String>,
    #[param(inline)]
    pub sort: Option<Sort>,
    #[param(inline)]
    pub order: Option<Order>,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1 to 200; 50 when absent.
    pub limit: Option<i64>,
}

// The query values are the API's own, mapped onto `store`'s: renaming a store variant
// cannot change what clients may send.

/// What the list can be ordered by; each has an index ending in `id` for keyset pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    #[default]
    LastHeartbeatAt,
    ErrorRate,
}

impl From<Sort> for store::installations::Sort {
    fn from(s: Sort) -> Self {
        match s {
            Sort::LastHeartbeatAt => store::installations::Sort::LastHeartbeatAt,
            Sort::ErrorRate => store::installations::Sort::ErrorRate,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    #[default]
    Desc,
    Asc,
}

impl From<Order> for store::installations::Order {
    fn from(o: Order) -> Self {
        match o {
            Order::Desc => store::installations::Order::Desc,
            Order::Asc => store::installations::Order::Asc,
        }
    }
}

/// Installations, filtered, in keyset pages.
#[utoipa::path(get, path = "/api/v1/plugins/list", tag = "installations", params(ListQuery),
    responses((status = 200, body = Page), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    Params(q): Params<ListQuery>,
) -> Result<Json<Page>, ApiError> {
    let status = match q.status.as_deref().map(str::parse::<Status>).transpose() {
        Ok(s) => s,
        Err(_) => {
            let names: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
            return Err(ApiError::invalid(
                "status",
                format!("status must be one of {}", names.join(", ")),
            ));
        }
    };
    if let Some(l) = q.limit {
        if !(1..=store::installations::MAX_PAGE).contains(&l) {
            return Err(ApiError::invalid(
                "limit",
                "limit must be between 1 and 200",
            ));
        }
    }
    let cursor =
        match &q.cursor {
            Some(c) => Some(Cursor::decode(c).ok_or_else(|| {
                ApiError::invalid("cursor", "cursor is not one this API returned")
            })?),
            None => None,
        };
    let filter = Filter {
        status,
        cms: q.cms,
        plugin_version: q.version,
        merchant_id: q.merchant_id,
        q: q.q,
    };
    let page = store::installations::list(
        &state.pool,
        &filter,
        q.sort.unwrap_or_default().into(),
        q.order.unwrap_or_default().into(),
        cursor.as_ref(),
        q.limit.unwrap_or(50),
    )
    .await?;
    Ok(Json(page.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InstallationDetail {
    pub installation: crate::views::installations::Installation,
    /// key → the toggle in effect (scope, value, expiry, id).
    #[schema(value_type = Object)]
    pub toggles: BTreeMap<String, EffectiveToggle>,
    /// Null when the installation runs the latest applicable release.
    #[schema(value_type = Option<Object>)]
    pub upgrade: Option<UpgradeAdvice>,
    pub notifications: Vec<Notice>,
    /// Newest first; null when ClickHouse could not be read (see `warnings`).
    pub recent_heartbeats: Option<Vec<RecentHeartbeat>>,
    pub warnings: Vec<String>,
}

fn facts(i: &Installation) -> InstallationFacts {
    InstallationFacts {
        installation_id: i.reported_id,
        merchant_id: i.merchant_id,
        cms: i.cms.clone(),
        plugin_version: i.plugin_version.clone(),
        runtime_version: i.runtime_version.clone(),
        cms_version: i.cms_version.clone(),
    }
}

async fn installation(state: &AppState, raw_id: &str) -> Result<Installation, ApiError> {
    let id = parse_id(raw_id, "installation")?;
    store::installations::get(&state.pool, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("installation {id}")))
}

async fn advice(state: &AppState, i: &Installation) -> Result<Option<UpgradeAdvice>, ApiError> {
    let releases = store::registry::releases(&state.pool).await?;
    let failing = policy::is_failing(i.error_rate);
    Ok(policy::advice::advise(&facts(i), &releases, failing))
}

/// One installation with its effective toggles, upgrade advice, recent notices and
/// last heartbeats.
#[utoipa::path(get, path = "/api/v1/plugins/{id}", tag = "installations",
    params(("id" = Uuid, Path, description = "installation id")),
    responses((status = 200, body = InstallationDetail), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn detail(
    State(state): State<Arc<AppState>>,
    Path(raw_id): Path<String>,
) -> Result<Json<InstallationDetail>, ApiError> {
    let i = installation(&state, &raw_id).await?;
    let toggles = policy::toggles::effective(
        &store::toggles::active(&state.pool).await?,
        &facts(&i),
        Utc::now(),
    );
    let upgrade = advice(&state, &i).await?;
    let notifications = store::notifications::list(
        &state.pool,
        &store::notifications::NoticeFilter {
            installation_id: Some(i.id),
            ..Default::default()
        },
        10,
    )
    .await?;
    let mut warnings = Vec::new();
    // Postgres holds what Ops act on; a ClickHouse outage only hides the history.
    let recent_heartbeats =
        match store::health::recent_heartbeats(&state.clickhouse, i.merchant_id, i.reported_id, 10)
            .await
        {
            Ok(h) => Some(h.into_iter().map(RecentHeartbeat::from).collect()),
            Err(e) => {
                tracing::warn!(error = %e, "recent heartbeats not read");
                warnings.push("ClickHouse is unavailable: recent heartbeats are not shown".into());
                None
            }
        };
    Ok(Json(InstallationDetail {
        installation: i.into(),
        toggles,
        upgrade,
        notifications: notifications.into_iter().map(Notice::from).collect(),
        recent_heartbeats,
        warnings,
    }))
}

/// A toggle on one installation. `value` defaults to true (the built-in switches are
/// booleans); give `expires_at` or `expires_in_hours` (block_plugin and enable_debug
/// must expire).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstallationToggle {
    pub key: String,
    #[schema(value_type = Option<Object>)]
    pub value: Option<Value>,
    pub reason: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub expires_in_hours: Option<f64>,
    /// Only report the blast radius; write nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// Sets a toggle on this installation (the original contract's toggle endpoint).
#[utoipa::path(post, path = "/api/v1/plugins/{id}/toggle", tag = "installations",
    params(("id" = Uuid, Path, description = "installation id")),
    request_body = InstallationToggle,
    responses((status = 201, body = ToggleCreated), (status = 200, body = ToggleCreated, description = "dry run"),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn toggle(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(raw_id): Path<String>,
    Body(body): Body<InstallationToggle>,
) -> Result<impl IntoResponse, ApiError> {
    let i = installation(&state, &raw_id).await?;
    let t = NewToggle {
        key: body.key,
        value: body.value.unwrap_or(Value::Bool(true)),
        scope: ScopeSpec::Installation(i.id),
        reason: body.reason,
        expires_at: expiry(body.expires_at, body.expires_in_hours)?,
    };
    create_toggle(&state, &caller, t, body.dry_run).await
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotifyUpgrade {
    /// Shown to the merchant with the notice, and recorded as the reason.
    pub message: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeQueued {
    pub notification_id: Uuid,
    /// True when the same notice was sent within the throttle window: nothing new was
    /// queued and `notification_id` is the earlier one.
    pub deduplicated: bool,
    pub channels: Vec<String>,
    #[schema(value_type = Object)]
    pub upgrade: UpgradeAdvice,
}

/// Queues an upgrade notice to the installation's merchant, on the channels they chose.
#[utoipa::path(post, path = "/api/v1/plugins/{id}/notify-upgrade", tag = "installations",
    params(("id" = Uuid, Path, description = "installation id")),
    request_body = NotifyUpgrade,
    responses((status = 202, body = NoticeQueued), (status = 200, body = NoticeQueued, description = "deduplicated"),
        (status = 409, body = crate::error::Problem, description = "up to date or uninstalled")),
    security(("bearer" = [])))]
pub async fn notify_upgrade(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(raw_id): Path<String>,
    body: Option<Body<NotifyUpgrade>>,
) -> Result<impl IntoResponse, ApiError> {
    let body = body.map(|Body(b)| b).unwrap_or_default();
    if body.message.as_deref().is_some_and(|m| m.len() > 2000) {
        return Err(ApiError::invalid(
            "message",
            "message is limited to 2000 characters",
        ));
    }
    let i = installation(&state, &raw_id).await?;
    if i.status == Status::Uninstalled {
        return Err(ApiError::Conflict {
            code: "uninstalled",
            message: "the plugin is uninstalled from this site".into(),
        });
    }
    let Some(upgrade) = advice(&state, &i).await? else {
        return Err(ApiError::Conflict {
            code: "up_to_date",
            message: format!("{} is the latest applicable release", i.plugin_version),
        });
    };
    let notice = NewNotice {
        installation_id: i.id,
        merchant_id: i.merchant_id,
        cms: i.cms.clone(),
        from_version: i.plugin_version.clone(),
        advice: upgrade.clone(),
        trigger: Trigger::Ops,
        message: body.message,
    };
    let queued = store::notifications::enqueue(
        &state.pool,
        &notice,
        state.notification_throttle,
        &caller.actor(),
    )
    .await?;
    let status = if queued.deduplicated {
        StatusCode::OK
    } else {
        StatusCode::ACCEPTED
    };
    Ok((
        status,
        Json(NoticeQueued {
            notification_id: queued.notification_id,
            deduplicated: queued.deduplicated,
            channels: queued.channels,
            upgrade,
        }),
    ))
}
