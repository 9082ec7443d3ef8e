//! The first layer of the plugin routes: applies `crate::rate_limit`'s buckets to the
//! client address and the key before any work is done for a request.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::IngestError;
use crate::rate_limit::Limited;
use crate::state::AppState;

fn limited(l: Limited) -> Response {
    IngestError::RateLimited {
        retry_after_secs: l.retry_after_secs(),
        limit: l.limit.burst as u64,
    }
    .into_response()
}

/// The first layer of the routes that take a key: the client address's bucket, then
/// (for a key that authenticates; others are refused by the handler) the key's bucket.
/// The authenticated merchant is passed on in the request's extensions. An address out
/// of failed authentications is refused here, before any lookup.
pub async fn enforce(
    State(state): State<Arc<AppState>>,
    ConnectInfo(runtime::serve::Peer(peer)): ConnectInfo<runtime::serve::Peer>,
    mut request: Request,
    next: Next,
) -> Response {
    let now = Instant::now();
    let client = state.trusted_proxies.client(peer.ip(), request.headers());
    let limiter = &state.rate_limiter;
    if let Err(l) = limiter.address(client, now) {
        return limited(l);
    }
    match state
        .auth
        .authenticate_from(request.headers(), client)
        .await
    {
        Ok(m) => {
            if let Err(l) = limiter.key(m.key_id, &m.tier, now) {
                return limited(l);
            }
            // The handler takes it from here (routes::merchant) instead of asking again.
            request.extensions_mut().insert(m);
        }
        Err(e @ IngestError::RateLimited { .. }) => return e.into_response(),
        // The handler answers with it after its own earlier checks.
        Err(_) => {}
    }
    next.run(request).await
}

/// The first layer of the routes that need no key: the client address's bucket only
/// (a bearer sent along is not looked up).
pub async fn enforce_address(
    State(state): State<Arc<AppState>>,
    ConnectInfo(runtime::serve::Peer(peer)): ConnectInfo<runtime::serve::Peer>,
    request: Request,
    next: Next,
) -> Response {
    let client = state.trusted_proxies.client(peer.ip(), request.headers());
    match state.rate_limiter.address(client, Instant::now()) {
        Ok(()) => next.run(request).await,
        Err(l) => limited(l),
    }
}
