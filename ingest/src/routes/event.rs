//! `POST /api/v1/plugins/event`: one event or `{"events": [...]}` (up to 100).
//!
//! Same checks and the same rule as heartbeats: 202 only when Kafka acknowledged every
//! event of the request; otherwise 503 and the plugin retries the whole request. The
//! plugin's `event_id` travels as the record id, so a retry is stored once.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::{Extension, Json};
use schemas::event::{EventRequest, MAX_EVENT_BODY_BYTES};
use schemas::installation::derive_installation_id;
use schemas::EventEnvelope;
use serde::Serialize;
use uuid::Uuid;

use crate::auth::Merchant;
use crate::error::IngestError;
use crate::routes::request::{merchant, read_limited, require_json};
use crate::sink::TopicKind;
use crate::state::AppState;

#[derive(Debug, Serialize)]
pub struct EventsAccepted {
    pub status: &'static str,
    pub accepted: usize,
    pub event_ids: Vec<Uuid>,
}

pub async fn accept(
    State(state): State<Arc<AppState>>,
    from_layer: Option<Extension<Merchant>>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<EventsAccepted>), IngestError> {
    require_json(&headers)?;
    let merchant = merchant(&state, from_layer, &headers).await?;
    let bytes = read_limited(body, MAX_EVENT_BODY_BYTES).await?;
    let requests = EventRequest::parse_batch(&bytes)?;
    if requests
        .iter()
        .any(|r| r.merchant_id.is_some_and(|m| m != merchant.merchant_id))
    {
        return Err(IngestError::MerchantMismatch);
    }
    let mut event_ids = Vec::with_capacity(requests.len());
    let mut records = Vec::with_capacity(requests.len());
    for r in requests {
        let installation_id = r.installation_id.unwrap_or_else(|| {
            derive_installation_id(
                merchant.merchant_id,
                r.event.site_host.as_deref(),
                &r.event.cms,
            )
        });
        let envelope =
            EventEnvelope::with_id(r.event_id, merchant.merchant_id, installation_id, r.event);
        let payload = serde_json::to_vec(&envelope).map_err(|_| IngestError::BodyUnreadable)?;
        event_ids.push(r.event_id);
        records.push((installation_id.to_string(), payload));
    }
    state
        .sink
        .send_all(TopicKind::Events, &records)
        .await
        .map_err(|e| IngestError::from_sink(e, state.retry_after_secs))?;
    state.metrics.events_accepted.inc_by(records.len() as u64);
    Ok((
        StatusCode::ACCEPTED,
        Json(EventsAccepted {
            status: "accepted",
            accepted: event_ids.len(),
            event_ids,
        }),
    ))
}
