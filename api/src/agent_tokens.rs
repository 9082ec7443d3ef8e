//! Who a bearer token belongs to. A trait, so the route guard (`auth::require`) runs
//! the same in process without PostgreSQL: production looks tokens up in `ops_agents`
//! (`store::agents::authenticate`: by SHA-256, disabled agents excluded, on every
//! request so a role change or a disabled agent takes effect at once); the in-memory
//! twin applies the same rules to the agents a test gives it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use sqlx::PgPool;
use store::agents::{Agent, Role};
use uuid::Uuid;

use crate::error::ApiError;

/// The answer of a lookup: the enabled agent holding the token, `None` for a token
/// nobody (enabled) holds, an error when the lookup itself failed.
pub type Lookup<'a> = runtime::BoxFuture<'a, Result<Option<Agent>, ApiError>>;

/// Resolves a bearer token to the enabled agent it belongs to.
pub trait AgentTokens: Send + Sync {
    fn agent_for<'a>(&'a self, token: &'a str) -> Lookup<'a>;
}

/// The production lookup, in `ops_agents`.
pub struct PostgresAgentTokens {
    pool: PgPool,
}

impl PostgresAgentTokens {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

impl AgentTokens for PostgresAgentTokens {
    fn agent_for<'a>(&'a self, token: &'a str) -> Lookup<'a> {
        // A failed query becomes 503 `database_unavailable` (`ApiError: From<sqlx::Error>`).
        Box::pin(async move { Ok(store::agents::authenticate(&self.pool, token).await?) })
    }
}

/// The in-memory twin, for in-process tests. Tokens are kept only as their SHA-256, as
/// `ops_agents` keeps them; a disabled agent's token resolves to nobody; lookups are
/// counted, so a test can show that a request was refused before any lookup.
#[derive(Default)]
pub struct InMemoryAgentTokens {
    agents: Mutex<HashMap<[u8; 32], StoredAgent>>,
    lookups: AtomicUsize,
}

struct StoredAgent {
    agent: Agent,
    disabled: bool,
}

impl InMemoryAgentTokens {
    /// Adds an enabled agent and returns it with its new token (shaped like real ones).
    pub fn add(&self, name: &str, role: Role) -> (Agent, String) {
        let agent = Agent {
            id: Uuid::new_v4(),
            name: name.to_owned(),
            role,
        };
        // The prefix of ops agent tokens (`store::agents`).
        let token = store::secret::generate("pto_");
        self.stored().insert(
            store::secret::hash(&token),
            StoredAgent {
                agent: agent.clone(),
                disabled: false,
            },
        );
        (agent, token)
    }

    /// Disables the agent: its token stops resolving, as after `PATCH /agents/{id}`.
    pub fn disable(&self, agent_id: Uuid) {
        for stored in self.stored().values_mut() {
            if stored.agent.id == agent_id {
                stored.disabled = true;
            }
        }
    }

    /// How many tokens were looked up so far.
    pub fn lookups(&self) -> usize {
        self.lookups.load(Ordering::SeqCst)
    }

    fn stored(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], StoredAgent>> {
        // A panic while holding the lock leaves the map consistent (single inserts).
        self.agents
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl AgentTokens for InMemoryAgentTokens {
    fn agent_for<'a>(&'a self, token: &'a str) -> Lookup<'a> {
        self.lookups.fetch_add(1, Ordering::SeqCst);
        let found = self
            .stored()
            .get(&store::secret::hash(token))
            .filter(|s| !s.disabled)
            .map(|s| s.agent.clone());
        Box::pin(async move { Ok(found) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_twin_resolves_enabled_agents_by_their_token_only() {
        let tokens = InMemoryAgentTokens::default();
        let (ivy, ivy_token) = tokens.add("ivy", Role::Operator);
        let (_, other_token) = tokens.add("sam", Role::Viewer);
        assert_eq!(
            tokens.agent_for(&ivy_token).await.expect("lookup"),
            Some(ivy.clone())
        );
        assert_eq!(tokens.agent_for("pto_forged").await.expect("lookup"), None);
        tokens.disable(ivy.id);
        assert_eq!(tokens.agent_for(&ivy_token).await.expect("lookup"), None);
        assert!(tokens
            .agent_for(&other_token)
            .await
            .expect("lookup")
            .is_some());
        assert_eq!(tokens.lookups(), 4);
    }
}
