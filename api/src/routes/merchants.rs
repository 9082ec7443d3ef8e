//! Merchants and their API keys (admin writes; a key's secret is shown once, at
//! creation or rotation, and never again).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use store::audit::{self, Change};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{parse_id, ApiError, Body, Params};
use crate::state::AppState;
use crate::views::merchants::{KeyInfo, Merchant};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MerchantQuery {
    /// The start of the name, any case.
    pub q: Option<String>,
    /// Page back: the last merchant's `created_at` on the previous page…
    pub before: Option<DateTime<Utc>>,
    /// …and its `id`.
    pub before_id: Option<Uuid>,
    pub limit: Option<i64>,
}

/// Merchants, newest first.
#[utoipa::path(get, path = "/api/v1/merchants", tag = "merchants", params(MerchantQuery),
    responses((status = 200, body = Vec<Merchant>)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Params(q): Params<MerchantQuery>,
) -> Result<Json<Vec<Merchant>>, ApiError> {
    let merchants = store::merchants::list(
        &state.pool,
        q.q.as_deref(),
        crate::error::page_before(q.before, q.before_id)?,
        q.limit.unwrap_or(50),
    )
    .await?;
    Ok(Json(
        merchants
            .into_iter()
            .map(|m| shown_to(&caller, m.into()))
            .collect(),
    ))
}

/// A merchant's contact address is personal data: operators and admins, who contact
/// merchants, see it; viewers get `email: null`.
fn shown_to(caller: &Caller, mut m: Merchant) -> Merchant {
    if caller.agent.role < store::agents::Role::Operator {
        m.email = None;
    }
    m
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MerchantDetail {
    pub merchant: Merchant,
    /// Prefixes and states only; secrets are never stored.
    pub keys: Vec<KeyInfo>,
}

async fn merchant(state: &AppState, id: Uuid) -> Result<store::merchants::Merchant, ApiError> {
    store::merchants::get(&state.pool, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("merchant {id}")))
}

/// A merchant and its API keys.
#[utoipa::path(get, path = "/api/v1/merchants/{id}", tag = "merchants", params(("id" = Uuid, Path)),
    responses((status = 200, body = MerchantDetail), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn detail(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(raw_id): Path<String>,
) -> Result<Json<MerchantDetail>, ApiError> {
    let id = parse_id(&raw_id, "merchant")?;
    let merchant = shown_to(&caller, merchant(&state, id).await?.into());
    let keys = store::api_keys::for_merchant(&state.pool, id).await?;
    Ok(Json(MerchantDetail {
        merchant,
        keys: keys.into_iter().map(KeyInfo::from).collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateMerchant {
    pub name: String,
    pub email: Option<String>,
    /// en (default) or fr.
    pub locale: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub id: Uuid,
}

/// Creates a merchant.
#[utoipa::path(post, path = "/api/v1/merchants", tag = "merchants", request_body = CreateMerchant,
    responses((status = 201, body = Created), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Body(b): Body<CreateMerchant>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let name = b.name.trim();
    if name.is_empty() || name.len() > 200 {
        return Err(ApiError::invalid(
            "name",
            "name must be 1 to 200 characters",
        ));
    }
    let locale = b.locale.as_deref().unwrap_or("en");
    if !["en", "fr"].contains(&locale) {
        return Err(ApiError::invalid("locale", "locale must be en or fr"));
    }
    if let Some(e) = &b.email {
        let ok = e.len() <= 254
            && e.split_once('@')
                .is_some_and(|(l, d)| !l.is_empty() && d.contains('.'));
        if !ok {
            return Err(ApiError::invalid(
                "email",
                "email must be an address like name@example.com",
            ));
        }
    }
    let mut tx = state.pool.begin().await?;
    let id = store::merchants::create(&mut *tx, name, b.email.as_deref(), locale).await?;
    // The address is personal data: the audit row says only that one was given.
    let change = Change {
        action: "merchant.create",
        target_type: "merchant",
        target_id: id.to_string(),
        before: None,
        after: Some(json!({"name": name, "locale": locale, "email_set": b.email.is_some()})),
        reason: None,
    };
    audit::append(&mut tx, &caller.actor(), change).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateKey {
    pub label: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KeyCreated {
    pub id: Uuid,
    pub prefix: String,
    /// Shown this once; store it in the plugin's settings. It cannot be shown again.
    pub key: String,
    /// On rotation: when the replaced key stops working.
    pub replaced_key_revoked_at: Option<DateTime<Utc>>,
}

/// Creates an API key for a merchant; the response is the only time it is shown.
#[utoipa::path(post, path = "/api/v1/merchants/{id}/keys", tag = "merchants",
    params(("id" = Uuid, Path)), request_body = CreateKey,
    responses((status = 201, body = KeyCreated), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn create_key(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(raw_id): Path<String>,
    body: Option<Body<CreateKey>>,
) -> Result<(StatusCode, Json<KeyCreated>), ApiError> {
    let id = parse_id(&raw_id, "merchant")?;
    merchant(&state, id).await?;
    let label = body.and_then(|Body(b)| b.label);
    let mut tx = state.pool.begin().await?;
    let key = store::api_keys::create(&mut *tx, id, label.as_deref()).await?;
    let change = Change {
        action: "api_key.create",
        target_type: "api_key",
        target_id: key.id.to_string(),
        before: None,
        after: Some(json!({"merchant_id": id, "prefix": key.prefix, "label": label})),
        reason: None,
    };
    audit::append(&mut tx, &caller.actor(), change).await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(KeyCreated {
            id: key.id,
            prefix: key.prefix,
            key: key.secret,
            replaced_key_revoked_at: None,
        }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeKey {
    pub reason: String,
}

/// Revokes a key at once: plugins using it get 401 `api_key_revoked`.
#[utoipa::path(post, path = "/api/v1/keys/{id}/revoke", tag = "merchants",
    params(("id" = Uuid, Path)), request_body = RevokeKey,
    responses((status = 204), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn revoke_key(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(raw_id): Path<String>,
    Body(b): Body<RevokeKey>,
) -> Result<StatusCode, ApiError> {
    let id = parse_id(&raw_id, "API key")?;
    if b.reason.trim().is_empty() {
        return Err(ApiError::invalid("reason", "a reason is required"));
    }
    let mut tx = state.pool.begin().await?;
    if !store::api_keys::revoke(&mut *tx, id).await? {
        return Err(ApiError::NotFound(format!("active API key {id}")));
    }
    let change = Change {
        action: "api_key.revoke",
        target_type: "api_key",
        target_id: id.to_string(),
        before: Some(json!({"revoked": false})),
        after: Some(json!({"revoked": true})),
        reason: Some(&b.reason),
    };
    audit::append(&mut tx, &caller.actor(), change).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateKey {
    pub reason: String,
    /// How long the old key keeps working (0 to 168 hours; 0 when absent).
    pub grace_hours: Option<u32>,
}

/// Replaces a key: a new one (same merchant and label) now, the old one revoked after
/// the grace period.
#[utoipa::path(post, path = "/api/v1/keys/{id}/rotate", tag = "merchants",
    params(("id" = Uuid, Path)), request_body = RotateKey,
    responses((status = 201, body = KeyCreated), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn rotate_key(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(raw_id): Path<String>,
    Body(b): Body<RotateKey>,
) -> Result<(StatusCode, Json<KeyCreated>), ApiError> {
    let id = parse_id(&raw_id, "API key")?;
    if b.reason.trim().is_empty() {
        return Err(ApiError::invalid("reason", "a reason is required"));
    }
    let grace = b.grace_hours.unwrap_or(0);
    if grace > 168 {
        return Err(ApiError::invalid(
            "grace_hours",
            "grace_hours must be 0 to 168",
        ));
    }
    let mut tx = state.pool.begin().await?;
    let old = store::api_keys::get(&mut *tx, id)
        .await?
        .filter(|k| store::api_keys::is_valid(k, Utc::now()))
        .ok_or_else(|| ApiError::NotFound(format!("active API key {id}")))?;
    let new = store::api_keys::create(&mut *tx, old.merchant_id, old.label.as_deref()).await?;
    let revoked_at = Utc::now() + Duration::hours(i64::from(grace));
    store::api_keys::revoke_by(&mut *tx, id, revoked_at).await?;
    // A key rotated again during its grace keeps the earlier end.
    let revoked_at = revoked_at.min(old.revoked_at.unwrap_or(revoked_at));
    let change = Change {
        action: "api_key.rotate",
        target_type: "api_key",
        target_id: id.to_string(),
        before: Some(json!({"key_id": id, "prefix": old.prefix})),
        after: Some(
            json!({"key_id": new.id, "prefix": new.prefix, "old_key_revoked_at": revoked_at}),
        ),
        reason: Some(&b.reason),
    };
    audit::append(&mut tx, &caller.actor(), change).await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(KeyCreated {
            id: new.id,
            prefix: new.prefix,
            key: new.secret,
            replaced_key_revoked_at: Some(revoked_at),
        }),
    ))
}
