//! What every plugin route reads from a request the same way: the merchant (once per
//! request), the media type, and a body of bounded size.

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap};
use axum::Extension;
use http_body_util::{BodyExt, LengthLimitError, Limited};

use crate::auth::Merchant;
use crate::error::IngestError;
use crate::state::AppState;

/// The request's merchant. The rate-limit layer has already authenticated a valid key
/// and left its merchant in the request's extensions, so the key is hashed and looked
/// up once per request; a key that failed there is authenticated here again for the
/// error to answer with, after the handler's own earlier checks (the error order stays
/// the handler's).
pub async fn merchant(
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
pub fn require_json(headers: &HeaderMap) -> Result<(), IngestError> {
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
pub async fn read_limited(body: Body, limit: usize) -> Result<Bytes, IngestError> {
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => {
            Err(IngestError::PayloadTooLarge { limit })
        }
        Err(_) => Err(IngestError::BodyUnreadable),
    }
}
