//! `POST /api/v1/plugins/heartbeat`.
//!
//! Order of checks: media type (415), key (401), body size (413), body (400/422),
//! merchant (403), then Kafka. Only a broker acknowledgement earns a 202.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::{Extension, Json};
use policy::InstallationFacts;
use schemas::heartbeat::HeartbeatRequest;
use schemas::installation::derive_installation_id;
use schemas::{HeartbeatEnvelope, MAX_BODY_BYTES};
use serde::Serialize;
use uuid::Uuid;

use crate::answer::{answer, PluginAnswer};
use crate::auth::Merchant;
use crate::error::IngestError;
use crate::routes::request::{merchant, read_limited, require_json};
use crate::sink::TopicKind;
use crate::state::AppState;

/// The 202 answer: the installation's toggles and upgrade advice (see `answer.rs`),
/// pending in-app notices and when to beat next.
#[derive(Debug, Serialize)]
pub struct HeartbeatAccepted {
    pub status: &'static str,
    pub event_id: Uuid,
    pub installation_id: Uuid,
    #[serde(flatten)]
    pub answer: PluginAnswer,
    pub next_heartbeat_in_secs: u64,
}

pub async fn accept(
    State(state): State<Arc<AppState>>,
    from_layer: Option<Extension<Merchant>>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<HeartbeatAccepted>), IngestError> {
    let started = Instant::now();
    let result = handle(&state, from_layer, &headers, body).await;
    state
        .metrics
        .heartbeat_latency
        .observe(started.elapsed().as_secs_f64());
    result
}

async fn handle(
    state: &AppState,
    from_layer: Option<Extension<Merchant>>,
    headers: &HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<HeartbeatAccepted>), IngestError> {
    require_json(headers)?;
    let merchant = merchant(state, from_layer, headers).await?;
    let bytes = read_limited(body, MAX_BODY_BYTES).await?;
    let request = HeartbeatRequest::parse(&bytes)?;
    if request
        .merchant_id
        .is_some_and(|m| m != merchant.merchant_id)
    {
        return Err(IngestError::MerchantMismatch);
    }
    let heartbeat = request.heartbeat;
    let installation_id = request.installation_id.unwrap_or_else(|| {
        derive_installation_id(
            merchant.merchant_id,
            heartbeat.site_host.as_deref(),
            &heartbeat.cms,
        )
    });
    state
        .installation_quota
        .admit(merchant.merchant_id, installation_id)
        .await?;
    let facts = InstallationFacts {
        installation_id,
        merchant_id: merchant.merchant_id,
        cms: heartbeat.cms.clone(),
        plugin_version: heartbeat.plugin_version.clone(),
        runtime_version: heartbeat.runtime_version.clone(),
        cms_version: heartbeat.cms_version.clone(),
    };
    let failing = policy::is_failing(heartbeat.error_rate_percent());
    // A plugin's heartbeat_id is the event id, so a retry after a 503 (which can come
    // after Kafka stored the first copy) is recognised downstream and counted once.
    let envelope = match request.heartbeat_id {
        Some(id) => {
            HeartbeatEnvelope::with_id(id, merchant.merchant_id, installation_id, heartbeat)
        }
        None => HeartbeatEnvelope::new(merchant.merchant_id, installation_id, heartbeat),
    };
    // Serialising our own validated struct cannot fail; map it anyway rather than panic.
    let payload = serde_json::to_vec(&envelope).map_err(|_| IngestError::BodyUnreadable)?;

    let retry_after_secs = state.retry_after_secs;
    state
        .sink
        .send_all(
            TopicKind::Heartbeats,
            &[(installation_id.to_string(), payload)],
        )
        .await
        .map_err(|e| IngestError::from_sink(e, retry_after_secs))?;
    state.metrics.heartbeats_accepted.inc();

    Ok((
        StatusCode::ACCEPTED,
        Json(HeartbeatAccepted {
            status: "accepted",
            event_id: envelope.event_id,
            installation_id,
            answer: answer(
                state,
                &facts,
                failing,
                // Signed as of now, after Kafka's ack, not as of receipt: a config poll
                // answered meanwhile must not look newer than this answer.
                chrono::Utc::now(),
                state
                    .notices
                    .for_installation(installation_id, merchant.merchant_id)
                    .await,
            ),
            next_heartbeat_in_secs: state.heartbeat_interval_secs,
        }),
    ))
}
