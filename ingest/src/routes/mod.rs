//! HTTP routes. Handlers parse, authenticate and hand off; they hold no business rules.

pub mod config;
pub mod event;
pub mod health;
pub mod heartbeat;
pub mod rate_limit_layer;
pub mod request;

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

use crate::state::AppState;

/// The internet-facing routes: what plugins call (rate limited) and liveness for the
/// load balancer. Readiness and metrics are served on the internal address only
/// (`internal_router`): they say how the pipeline is doing and readiness costs a Kafka
/// round trip, neither of which an anonymous client should get.
pub fn router(state: Arc<AppState>) -> Router {
    let plugin = Router::new()
        .route("/api/v1/plugins/heartbeat", post(heartbeat::accept))
        .route("/api/v1/plugins/event", post(event::accept))
        .route("/api/v1/plugins/config", get(config::poll))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            rate_limit_layer::enforce,
        ));
    let keyless = Router::new()
        .route("/api/v1/plugins/signing-keys", get(config::signing_keys))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            rate_limit_layer::enforce_address,
        ));
    Router::new()
        .merge(plugin)
        .merge(keyless)
        .route("/healthz", get(health::live))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            record_request,
        ))
        .with_state(state)
}

/// Liveness, readiness and metrics, for Prometheus and the orchestrator
/// (`INGEST_INTERNAL_ADDR`).
pub fn internal_router(state: Arc<AppState>) -> Router {
    runtime::metrics::router(state.metrics.registry.clone())
        .route("/readyz", get(health::ready))
        .with_state(state)
}

/// Counts and times every request by route template and status.
async fn record_request(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    let m = &state.metrics;
    m.request_duration
        .with_label_values(&[&route])
        .observe(started.elapsed().as_secs_f64());
    m.requests
        .with_label_values(&[&route, response.status().as_str()])
        .inc();
    response
}
