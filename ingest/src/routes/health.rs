//! Liveness and readiness (Kafka reachable). /metrics is `runtime::metrics::router`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::state::AppState;

pub async fn live() -> &'static str {
    "ok"
}

/// Ready when Kafka answers: without it every heartbeat would get 503.
pub async fn ready(State(state): State<Arc<AppState>>) -> Response {
    if state.sink.ready().await {
        (StatusCode::OK, Json(json!({"status": "ready"}))).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "not_ready", "reason": "kafka unreachable"})),
        )
            .into_response()
    }
}
