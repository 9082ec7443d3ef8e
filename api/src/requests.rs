//! What more than one route reads from a request: shared bodies (one schema in the
//! OpenAPI document) and fields read the same way everywhere.

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::ApiError;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reason {
    pub reason: String,
}

/// A toggle's expiry from `expires_at` or `expires_in_hours` (at most one of them).
pub fn expiry(
    at: Option<DateTime<Utc>>,
    in_hours: Option<f64>,
) -> Result<Option<DateTime<Utc>>, ApiError> {
    match (at, in_hours) {
        (Some(_), Some(_)) => Err(ApiError::invalid(
            "expires_in_hours",
            "give expires_at or expires_in_hours, not both",
        )),
        (Some(at), None) => Ok(Some(at)),
        (None, Some(h)) if h.is_finite() && h > 0.0 && h < 1e6 => {
            Ok(Some(Utc::now() + Duration::seconds((h * 3600.0) as i64)))
        }
        (None, Some(_)) => Err(ApiError::invalid(
            "expires_in_hours",
            "expires_in_hours must be a positive number",
        )),
        (None, None) => Ok(None),
    }
}
