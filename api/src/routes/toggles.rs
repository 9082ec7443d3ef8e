//! Toggles at every scope: list, create (with a blast-radius dry run), revoke.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;
use store::toggles::{ListFilter, NewToggle, ScopeSpec};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{parse_id, ApiError, Body, Params};
use crate::requests::{expiry, Reason};
use crate::state::AppState;
use crate::toggle_changes::{create_toggle, toggle_error};
use crate::views::toggles::{ToggleCreated, ToggleInfo};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ToggleQuery {
    pub key: Option<String>,
    /// installation, merchant, cms or global.
    pub scope: Option<String>,
    pub installation_id: Option<Uuid>,
    pub merchant_id: Option<Uuid>,
    pub cms: Option<String>,
    /// Include revoked and expired toggles.
    #[serde(default)]
    pub all: bool,
    pub limit: Option<i64>,
}

/// Toggles in force (or all of them, with `all=true`), newest first.
#[utoipa::path(get, path = "/api/v1/toggles", tag = "toggles", params(ToggleQuery),
    responses((status = 200, body = Vec<ToggleInfo>)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    Params(q): Params<ToggleQuery>,
) -> Result<Json<Vec<ToggleInfo>>, ApiError> {
    let filter = ListFilter {
        key: q.key,
        scope: q.scope,
        installation_id: q.installation_id,
        merchant_id: q.merchant_id,
        cms: q.cms,
        all: q.all,
    };
    let toggles = store::toggles::list(&state.pool, &filter, q.limit.unwrap_or(200)).await?;
    Ok(Json(toggles.into_iter().map(ToggleInfo::from).collect()))
}

/// A toggle at any scope: `scope` is installation (with installation_id), merchant
/// (with merchant_id), cms (with cms and optionally a semver version_range) or global.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToggle {
    pub key: String,
    #[schema(value_type = Option<Object>)]
    pub value: Option<Value>,
    pub scope: String,
    pub installation_id: Option<Uuid>,
    pub merchant_id: Option<Uuid>,
    pub cms: Option<String>,
    /// e.g. ">=1.0.0, <1.3.0"
    pub version_range: Option<String>,
    pub reason: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub expires_in_hours: Option<f64>,
    #[serde(default)]
    pub dry_run: bool,
}

fn required<T>(v: Option<T>, field: &str, scope: &str) -> Result<T, ApiError> {
    v.ok_or_else(|| ApiError::invalid(field, format!("scope {scope} needs {field}")))
}

fn scope(b: &CreateToggle) -> Result<ScopeSpec, ApiError> {
    let extra = |field: &str, present: bool| {
        if present {
            Err(ApiError::invalid(
                field,
                format!("scope {} does not take {field}", b.scope),
            ))
        } else {
            Ok(())
        }
    };
    match b.scope.as_str() {
        "installation" => {
            extra("cms", b.cms.is_some())?;
            extra("merchant_id", b.merchant_id.is_some())?;
            extra("version_range", b.version_range.is_some())?;
            Ok(ScopeSpec::Installation(required(
                b.installation_id,
                "installation_id",
                "installation",
            )?))
        }
        "merchant" => {
            extra("installation_id", b.installation_id.is_some())?;
            extra("cms", b.cms.is_some())?;
            extra("version_range", b.version_range.is_some())?;
            Ok(ScopeSpec::Merchant(required(
                b.merchant_id,
                "merchant_id",
                "merchant",
            )?))
        }
        "cms" => {
            extra("installation_id", b.installation_id.is_some())?;
            extra("merchant_id", b.merchant_id.is_some())?;
            let cms = required(b.cms.clone(), "cms", "cms")?;
            match schemas::heartbeat::known_cms(&cms) {
                Ok(c) if c == cms => {}
                _ => {
                    return Err(ApiError::invalid(
                        "cms",
                        format!(
                            "cms must be one of {}",
                            schemas::heartbeat::KNOWN_CMS.join(", ")
                        ),
                    ))
                }
            }
            Ok(ScopeSpec::Cms {
                cms,
                version_range: b.version_range.clone(),
            })
        }
        "global" => {
            extra("installation_id", b.installation_id.is_some())?;
            extra("merchant_id", b.merchant_id.is_some())?;
            extra("cms", b.cms.is_some())?;
            extra("version_range", b.version_range.is_some())?;
            Ok(ScopeSpec::Global)
        }
        _ => Err(ApiError::invalid(
            "scope",
            "scope must be installation, merchant, cms or global",
        )),
    }
}

/// Creates a toggle at any scope, or previews its blast radius (`dry_run`).
#[utoipa::path(post, path = "/api/v1/toggles", tag = "toggles", request_body = CreateToggle,
    responses((status = 201, body = ToggleCreated), (status = 200, body = ToggleCreated, description = "dry run"),
        (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Body(body): Body<CreateToggle>,
) -> Result<impl IntoResponse, ApiError> {
    let scope = scope(&body)?;
    let t = NewToggle {
        key: body.key,
        value: body.value.unwrap_or(Value::Bool(true)),
        scope,
        reason: body.reason,
        expires_at: expiry(body.expires_at, body.expires_in_hours)?,
    };
    create_toggle(&state, &caller, t, body.dry_run).await
}

/// Revokes a toggle; plugins stop receiving it within a second.
#[utoipa::path(post, path = "/api/v1/toggles/{id}/revoke", tag = "toggles",
    params(("id" = Uuid, Path)), request_body = Reason,
    responses((status = 204), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn revoke(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(raw_id): Path<String>,
    Body(body): Body<Reason>,
) -> Result<StatusCode, ApiError> {
    let id = parse_id(&raw_id, "toggle")?;
    store::toggles::revoke(&state.pool, id, &body.reason, &caller.actor())
        .await
        .map_err(toggle_error)?;
    Ok(StatusCode::NO_CONTENT)
}
