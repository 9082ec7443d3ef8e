//! Ops agents and their roles.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// What an agent may do. Each role includes the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads everything Ops can see.
    Viewer,
    /// Also sets and revokes toggles and sends notices.
    Operator,
    /// Also manages the registry, merchants, API keys and agents.
    Admin,
}

impl From<store::agents::Role> for Role {
    fn from(r: store::agents::Role) -> Self {
        match r {
            store::agents::Role::Viewer => Role::Viewer,
            store::agents::Role::Operator => Role::Operator,
            store::agents::Role::Admin => Role::Admin,
        }
    }
}

impl From<Role> for store::agents::Role {
    fn from(r: Role) -> Self {
        match r {
            Role::Viewer => store::agents::Role::Viewer,
            Role::Operator => store::agents::Role::Operator,
            Role::Admin => store::agents::Role::Admin,
        }
    }
}

/// An authenticated agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Agent {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
}

impl From<store::agents::Agent> for Agent {
    fn from(a: store::agents::Agent) -> Self {
        Self {
            id: a.id,
            name: a.name,
            role: a.role.into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgentInfo {
    pub id: Uuid,
    pub name: String,
    pub role: String,
    pub token_prefix: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
}

impl From<store::agents::AgentInfo> for AgentInfo {
    fn from(a: store::agents::AgentInfo) -> Self {
        Self {
            id: a.id,
            name: a.name,
            role: a.role,
            token_prefix: a.token_prefix,
            created_by: a.created_by,
            created_at: a.created_at,
            disabled_at: a.disabled_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_convert_both_ways_and_keep_their_wire_names() {
        for r in [
            store::agents::Role::Viewer,
            store::agents::Role::Operator,
            store::agents::Role::Admin,
        ] {
            let shown = Role::from(r);
            assert_eq!(store::agents::Role::from(shown), r);
            assert_eq!(
                serde_json::to_value(shown).expect("json"),
                serde_json::to_value(r).expect("json")
            );
        }
    }
}
