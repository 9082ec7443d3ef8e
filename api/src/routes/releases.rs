//! The version registry: list, publish, yank (admin).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use policy::advice::{Channel, Release};
use serde::{Deserialize, Serialize};
use store::registry::{NewRelease, RegistryError};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, Body, Params};
use crate::requests::Reason;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReleaseQuery {
    pub cms: Option<String>,
}

/// Every release (yanked ones included), by CMS and version.
#[utoipa::path(get, path = "/api/v1/releases", tag = "registry", params(ReleaseQuery),
    responses((status = 200, body = Vec<Object>)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    Params(q): Params<ReleaseQuery>,
) -> Result<Json<Vec<Release>>, ApiError> {
    let mut releases = store::registry::releases(&state.pool).await?;
    if let Some(cms) = q.cms {
        releases.retain(|r| r.cms == cms);
    }
    Ok(Json(releases))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Publish {
    pub cms: String,
    /// Semver, e.g. 1.3.5.
    pub version: String,
    /// stable (default) or beta.
    pub channel: Option<String>,
    pub min_supported_version: Option<String>,
    #[serde(default)]
    pub security_fix: bool,
    pub min_runtime_version: Option<String>,
    pub min_cms_version: Option<String>,
    pub tested_up_to: Option<String>,
    #[serde(default)]
    pub changelog: String,
    pub package_url: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Published {
    pub id: Uuid,
}

fn registry_error(e: RegistryError) -> ApiError {
    match e {
        RegistryError::InvalidVersion(_) => ApiError::invalid("version", e.to_string()),
        RegistryError::UnknownCms => ApiError::invalid("cms", e.to_string()),
        RegistryError::AlreadyPublished { .. } => ApiError::Conflict {
            code: "already_published",
            message: e.to_string(),
        },
        RegistryError::NotFound { .. } => ApiError::NotFound(e.to_string()),
        RegistryError::Database(e) => e.into(),
    }
}

/// Publishes a release; installations behind it become outdated on the next status pass.
#[utoipa::path(post, path = "/api/v1/releases", tag = "registry", request_body = Publish,
    responses((status = 201, body = Published), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn publish(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Body(b): Body<Publish>,
) -> Result<(StatusCode, Json<Published>), ApiError> {
    let channel = match b.channel.as_deref() {
        None | Some("stable") => Channel::Stable,
        Some("beta") => Channel::Beta,
        Some(_) => {
            return Err(ApiError::invalid(
                "channel",
                "channel must be stable or beta",
            ))
        }
    };
    if b.package_url
        .as_deref()
        .is_some_and(|u| !u.starts_with("https://"))
    {
        return Err(ApiError::invalid(
            "package_url",
            "package_url must be an https:// URL",
        ));
    }
    let release = NewRelease {
        cms: b.cms,
        version: b.version,
        channel,
        min_supported_version: b.min_supported_version,
        security_fix: b.security_fix,
        min_runtime_version: b.min_runtime_version,
        min_cms_version: b.min_cms_version,
        tested_up_to: b.tested_up_to,
        changelog: b.changelog,
        package_url: b.package_url,
    };
    let id = store::registry::publish(&state.pool, &release, &caller.actor())
        .await
        .map_err(registry_error)?;
    Ok((StatusCode::CREATED, Json(Published { id })))
}

/// Withdraws a release: never advised again; installations on it are told to upgrade.
#[utoipa::path(post, path = "/api/v1/releases/{cms}/{version}/yank", tag = "registry",
    params(("cms" = String, Path), ("version" = String, Path)), request_body = Reason,
    responses((status = 204), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn yank(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((cms, version)): Path<(String, String)>,
    Body(b): Body<Reason>,
) -> Result<StatusCode, ApiError> {
    if b.reason.trim().is_empty() {
        return Err(ApiError::invalid("reason", "a reason is required"));
    }
    store::registry::yank(&state.pool, &cms, &version, &b.reason, &caller.actor())
        .await
        .map_err(registry_error)?;
    Ok(StatusCode::NO_CONTENT)
}
