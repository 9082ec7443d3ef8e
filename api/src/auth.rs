//! Who is calling: the bearer token is looked up (by hash) on every request, so a
//! disabled agent or a role change takes effect at once, and each route group states
//! the least role it needs (`routes::router`). Every refusal here (429, 401, 403)
//! comes before the handler: no input is validated and nothing but the token is looked
//! up for a caller who may not call the route.

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::Response;
use store::agents::{Agent, Role};
use store::audit::Actor;

use crate::error::ApiError;
use crate::state::AppState;

/// The authenticated agent and where the request came from (for the audit log).
#[derive(Debug, Clone)]
pub struct Caller {
    pub agent: Agent,
    pub source: IpAddr,
}

impl Caller {
    pub fn actor(&self) -> Actor {
        Actor {
            name: self.agent.name.clone(),
            source_address: Some(self.source.to_string()),
        }
    }
}

fn bearer(headers: &HeaderMap) -> Result<&str, ApiError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or(ApiError::MissingToken)?
        .to_str()
        .map_err(|_| ApiError::InvalidToken)?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .ok_or(ApiError::MissingToken)?
        .trim();
    if token.is_empty() {
        return Err(ApiError::MissingToken);
    }
    Ok(token)
}

/// Authenticates the request and refuses it unless the agent has at least `needed`.
/// An address whose failed authentications exceed `API_AUTH_FAILURES_PER_ADDRESS` is
/// refused (429) before any lookup until its bucket refills: guessing tokens or
/// flooding PostgreSQL with lookups costs the guesser, not the database.
pub async fn require(
    State((state, needed)): State<(Arc<AppState>, Role)>,
    ConnectInfo(runtime::serve::Peer(peer)): ConnectInfo<runtime::serve::Peer>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let source = state.trusted_proxies.client(peer.ip(), request.headers());
    let now = std::time::Instant::now();
    let limit = state.auth_failure_limit;
    state
        .auth_failures
        .check(&source, limit, now)
        .map_err(|l| ApiError::RateLimited {
            retry_after_secs: l.retry_after_secs(),
        })?;
    let failed = |e: ApiError| {
        let _ = state.auth_failures.take(source, limit, now);
        e
    };
    let token = bearer(request.headers()).map_err(failed)?;
    let agent = state
        .agent_tokens
        .agent_for(token)
        .await?
        .ok_or(ApiError::InvalidToken)
        .map_err(failed)?;
    if agent.role < needed {
        return Err(ApiError::Forbidden(needed));
    }
    request.extensions_mut().insert(Caller { agent, source });
    Ok(next.run(request).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens() {
        let mut h = HeaderMap::new();
        assert!(matches!(bearer(&h), Err(ApiError::MissingToken)));
        h.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert!(matches!(bearer(&h), Err(ApiError::MissingToken)));
        h.insert(header::AUTHORIZATION, "Bearer pto_abc".parse().unwrap());
        assert_eq!(bearer(&h).unwrap(), "pto_abc");
    }
}
