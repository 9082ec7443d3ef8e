//! Ops agents: the people who use the Ops API, each with one role. Tokens are bearer
//! secrets (`crate::secret`), shown once; creating, changing and disabling an agent is
//! audited in the same transaction.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::audit::{self, Actor, Change};
use crate::secret;

const TOKEN_PREFIX: &str = "pto_";

/// What an agent may do. Each role includes the ones before it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads everything Ops can see.
    Viewer,
    /// Also sets and revokes toggles and sends notices.
    Operator,
    /// Also manages the registry, merchants, API keys and agents.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "viewer" => Some(Role::Viewer),
            "operator" => Some(Role::Operator),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// An authenticated agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Agent {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AgentInfo {
    pub id: Uuid,
    pub name: String,
    pub role: String,
    pub token_prefix: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
}

#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error("name must be 1-100 characters of a-z, 0-9, '.', '_', '@', '-', starting with a letter or digit")]
    InvalidName,
    #[error("an agent named {0} already exists")]
    NameTaken(String),
    #[error("no agent {0}")]
    NotFound(Uuid),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && name.len() <= 100
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._@-".contains(c))
}

/// Creates an agent; returns it and its token (shown once, never stored).
pub async fn create(
    pool: &PgPool,
    name: &str,
    role: Role,
    actor: &Actor,
) -> Result<(AgentInfo, String), AgentError> {
    if !valid_name(name) {
        return Err(AgentError::InvalidName);
    }
    let token = secret::generate(TOKEN_PREFIX);
    let mut tx = pool.begin().await?;
    let info: Option<AgentInfo> = sqlx::query_as(
        "INSERT INTO ops_agents (name, role, token_prefix, token_hash, created_by)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING
         RETURNING id, name, role, token_prefix, created_by, created_at, disabled_at",
    )
    .bind(name)
    .bind(role.as_str())
    .bind(secret::visible(&token))
    .bind(&secret::hash(&token)[..])
    .bind(&actor.name)
    .fetch_optional(&mut *tx)
    .await?;
    let info = info.ok_or_else(|| AgentError::NameTaken(name.to_owned()))?;
    let change = Change {
        action: "agent.create",
        target_type: "agent",
        target_id: info.id.to_string(),
        before: None,
        after: Some(json!({"name": name, "role": role.as_str()})),
        reason: None,
    };
    audit::append(&mut tx, actor, change).await?;
    tx.commit().await?;
    Ok((info, token))
}

/// Changes an agent's role, or disables it (its token stops working at once).
pub async fn update(
    pool: &PgPool,
    id: Uuid,
    role: Option<Role>,
    disabled: Option<bool>,
    actor: &Actor,
) -> Result<AgentInfo, AgentError> {
    let mut tx = pool.begin().await?;
    let before: Option<(String, Option<DateTime<Utc>>)> =
        sqlx::query_as("SELECT role, disabled_at FROM ops_agents WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let (before_role, before_disabled) = before.ok_or(AgentError::NotFound(id))?;
    let info: AgentInfo = sqlx::query_as(
        "UPDATE ops_agents SET role = COALESCE($2, role),
             disabled_at = CASE WHEN $3 IS NULL THEN disabled_at
                                WHEN $3 THEN COALESCE(disabled_at, now()) ELSE NULL END
         WHERE id = $1
         RETURNING id, name, role, token_prefix, created_by, created_at, disabled_at",
    )
    .bind(id)
    .bind(role.map(Role::as_str))
    .bind(disabled)
    .fetch_one(&mut *tx)
    .await?;
    let change = Change {
        action: "agent.update",
        target_type: "agent",
        target_id: id.to_string(),
        before: Some(json!({"role": before_role, "disabled": before_disabled.is_some()})),
        after: Some(json!({"role": info.role, "disabled": info.disabled_at.is_some()})),
        reason: None,
    };
    audit::append(&mut tx, actor, change).await?;
    tx.commit().await?;
    Ok(info)
}

/// The agent a presented token belongs to, if it is enabled.
pub async fn authenticate(pool: &PgPool, token: &str) -> sqlx::Result<Option<Agent>> {
    let row: Option<(Uuid, String, String)> = sqlx::query_as(
        "SELECT id, name, role FROM ops_agents WHERE token_hash = $1 AND disabled_at IS NULL",
    )
    .bind(&secret::hash(token)[..])
    .fetch_optional(pool)
    .await?;
    Ok(row.and_then(|(id, name, role)| {
        Some(Agent {
            id,
            name,
            role: Role::parse(&role)?,
        })
    }))
}

pub async fn list(pool: &PgPool) -> sqlx::Result<Vec<AgentInfo>> {
    sqlx::query_as(
        "SELECT id, name, role, token_prefix, created_by, created_at, disabled_at
         FROM ops_agents ORDER BY name",
    )
    .fetch_all(pool)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_include_the_ones_below() {
        assert!(Role::Admin > Role::Operator && Role::Operator > Role::Viewer);
        for r in [Role::Viewer, Role::Operator, Role::Admin] {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn agent_names() {
        for ok in ["ivy", "ivy.ops@example.com", "a-1_b"] {
            assert!(valid_name(ok), "{ok}");
        }
        for bad in ["", "Ivy", "-ivy", "ivy smith", &"a".repeat(101)] {
            assert!(!valid_name(bad), "{bad}");
        }
    }
}
