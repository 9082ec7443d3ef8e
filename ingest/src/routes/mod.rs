//! HTTP routes. Handlers parse, authenticate and hand off; they hold no business rules.

pub mod config;
pub mod event;
pub mod health;
pub mod heartbeat;

use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Router};

use http_body_util::{BodyExt, LengthLimitError, Limited};

use crate::auth::Merchant;
use crate::error::IngestError;
use crate::startup::AppState;

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
            crate::rate_limit::enforce,
        ));
    let keyless = Router::new()
        .route("/api/v1/plugins/signing-keys", get(config::signing_keys))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            crate::rate_limit::enforce_address,
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
    Router::new()
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .route("/metrics", get(health::metrics))
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

/// The request's merchant. The rate-limit layer has already authenticated a valid key
/// and left its merchant in the request's extensions, so the key is hashed and looked
/// up once per request; a key that failed there is authenticated here again for the
/// error to answer with, after the handler's own earlier checks (the error order stays
/// the handler's).
pub(crate) async fn merchant(
    state: &AppState,
    from_layer: Option<Extension<Merchant>>,
    headers: &HeaderMap,
) -> Result<Merchant, IngestError> {
    match from_layer {
        Some(Extension(m)) => Ok(m),
        None => state.auth.authenticate(headers).await,
    }
}

/// `application/json`, optionally with parameters (`; charset=utf-8`).
pub(crate) fn require_json(headers: &HeaderMap) -> Result<(), IngestError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = content_type.split(';').next().unwrap_or("").trim();
    if mime.eq_ignore_ascii_case("application/json") {
        Ok(())
    } else {
        Err(IngestError::UnsupportedMediaType)
    }
}

/// Reads at most `limit` bytes: a declared or actual larger body is a 413, and the
/// rest of it is never buffered.
pub(crate) async fn read_limited(body: Body, limit: usize) -> Result<Bytes, IngestError> {
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => {
            Err(IngestError::PayloadTooLarge { limit })
        }
        Err(_) => Err(IngestError::BodyUnreadable),
    }
}
