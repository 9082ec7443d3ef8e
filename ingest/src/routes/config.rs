//! `GET /api/v1/plugins/config`: a cheap poll for plugins that want a toggle sooner
//! than their next heartbeat. Same answer as a heartbeat's (toggles, signed toggles,
//! advice), nothing written; ETag / If-None-Match make an unchanged answer a 304.
//! `GET /api/v1/plugins/signing-keys`: the public keys that verify signed toggles.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::Utc;
use policy::InstallationFacts;
use schemas::{ErrorCode, ValidationError};
use serde_json::json;
use uuid::Uuid;

use crate::answer::decide;
use crate::auth::Merchant;
use crate::error::IngestError;
use crate::routes::request::merchant;
use crate::state::AppState;

fn param<'a>(
    q: &'a HashMap<String, String>,
    name: &str,
    max: usize,
    required: bool,
) -> Result<Option<&'a str>, IngestError> {
    match q.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None if required => Err(ValidationError::new(
            ErrorCode::MissingField,
            Some(name),
            format!("{name} is required"),
        )
        .into()),
        None => Ok(None),
        Some(v) if v.chars().count() > max || v.chars().any(char::is_control) => {
            Err(ValidationError::new(
                ErrorCode::InvalidValue,
                Some(name),
                format!("{name} must be printable and at most {max} characters"),
            )
            .into())
        }
        Some(v) => Ok(Some(v)),
    }
}

pub async fn poll(
    State(state): State<Arc<AppState>>,
    from_layer: Option<Extension<Merchant>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, IngestError> {
    let merchant = merchant(&state, from_layer, &headers).await?;
    let installation_id: Uuid = param(&q, "installation_id", 36, true)?
        .unwrap_or_default()
        .parse()
        .map_err(|_| {
            ValidationError::new(
                ErrorCode::InvalidValue,
                Some("installation_id"),
                "installation_id must be a UUID",
            )
        })?;
    let cms = schemas::heartbeat::known_cms(param(&q, "cms", 32, true)?.unwrap_or_default())?;
    let facts = InstallationFacts {
        installation_id,
        merchant_id: merchant.merchant_id,
        cms,
        plugin_version: param(&q, "plugin_version", 64, true)?
            .unwrap_or_default()
            .to_owned(),
        runtime_version: param(&q, "runtime_version", 64, false)?.map(str::to_owned),
        cms_version: param(&q, "cms_version", 64, false)?.map(str::to_owned),
    };
    let notices = state
        .notices
        .for_installation(installation_id, merchant.merchant_id)
        .await;
    let decision = decide(&state, &facts, false, Utc::now(), notices);
    let etag = decision.etag();
    let etag_value = HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"\""));
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    // Unchanged: a 304 without signing (most polls of a fleet end here).
    let mut response = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let answer = decision.signed(&state, &facts);
        (
            StatusCode::OK,
            Json(json!({"installation_id": installation_id, "config": answer})),
        )
            .into_response()
    };
    response.headers_mut().insert(header::ETAG, etag_value);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    Ok(response)
}

pub async fn signing_keys(State(state): State<Arc<AppState>>) -> Response {
    Json(json!({"keys": state.signer.public_keys()})).into_response()
}
