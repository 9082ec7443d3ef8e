//! Ops agents (admin) and the caller's own identity (`/auth/me`, used by the console's
//! login to check a token and learn its role).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use store::agents::AgentError;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::{parse_id, ApiError, Body};
use crate::state::AppState;
use crate::views::agents::{Agent, AgentInfo, Role};

/// Who the token belongs to and what it may do.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "agents",
    responses((status = 200, body = Agent), (status = 401, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn me(Extension(caller): Extension<Caller>) -> Json<Agent> {
    Json(caller.agent.into())
}

/// Every agent (tokens are never shown again).
#[utoipa::path(get, path = "/api/v1/agents", tag = "agents",
    responses((status = 200, body = Vec<AgentInfo>)), security(("bearer" = [])))]
pub async fn list(State(state): State<Arc<AppState>>) -> Result<Json<Vec<AgentInfo>>, ApiError> {
    let agents = store::agents::list(&state.pool).await?;
    Ok(Json(agents.into_iter().map(AgentInfo::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAgent {
    pub name: String,
    pub role: Role,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgentCreated {
    pub agent: AgentInfo,
    /// Shown this once.
    pub token: String,
}

fn agent_error(e: AgentError) -> ApiError {
    match e {
        AgentError::InvalidName => ApiError::invalid("name", e.to_string()),
        AgentError::NameTaken(_) => ApiError::Conflict {
            code: "name_taken",
            message: e.to_string(),
        },
        AgentError::NotFound(_) => ApiError::NotFound(e.to_string()),
        AgentError::Database(e) => e.into(),
    }
}

/// Creates an agent; the response carries its token, once.
#[utoipa::path(post, path = "/api/v1/agents", tag = "agents", request_body = CreateAgent,
    responses((status = 201, body = AgentCreated), (status = 409, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Body(b): Body<CreateAgent>,
) -> Result<(StatusCode, Json<AgentCreated>), ApiError> {
    let (agent, token) =
        store::agents::create(&state.pool, &b.name, b.role.into(), &caller.actor())
            .await
            .map_err(agent_error)?;
    Ok((
        StatusCode::CREATED,
        Json(AgentCreated {
            agent: agent.into(),
            token,
        }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAgent {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
}

/// Changes an agent's role or disables it (effective on its next request).
#[utoipa::path(patch, path = "/api/v1/agents/{id}", tag = "agents", params(("id" = Uuid, Path)),
    request_body = UpdateAgent,
    responses((status = 200, body = AgentInfo), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn update(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(raw_id): Path<String>,
    Body(b): Body<UpdateAgent>,
) -> Result<Json<AgentInfo>, ApiError> {
    let id = parse_id(&raw_id, "agent")?;
    // An admin cannot lock themselves out by accident; another admin can.
    if id == caller.agent.id
        && (b.disabled == Some(true) || b.role.is_some_and(|r| r < Role::Admin))
    {
        return Err(ApiError::Conflict {
            code: "self_lockout",
            message: "you cannot disable yourself or lower your own role".into(),
        });
    }
    let role = b.role.map(store::agents::Role::from);
    let info = store::agents::update(&state.pool, id, role, b.disabled, &caller.actor())
        .await
        .map_err(agent_error)?;
    Ok(Json(info.into()))
}
