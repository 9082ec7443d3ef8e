//! Every way a plugin request can fail, and the one place that turns it into a
//! response: a status and `{"error": {"code", "message", "field"}}` with a stable code.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use schemas::ValidationError;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("Content-Type must be application/json")]
    UnsupportedMediaType,
    #[error("body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("could not read the request body")]
    BodyUnreadable,
    #[error("an API key is required: Authorization: Bearer <key>")]
    MissingApiKey,
    #[error("the API key is not valid")]
    InvalidApiKey,
    #[error("the API key has been revoked")]
    RevokedApiKey,
    #[error("merchant_id does not belong to this API key")]
    MerchantMismatch,
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// Kafka did not acknowledge in time: the data is not durable, so no 202.
    #[error("telemetry storage is unavailable; retry later")]
    KafkaUnavailable { retry_after_secs: u64 },
    /// The producer's bounded queue is full (backpressure).
    #[error("ingest is overloaded; retry later")]
    Overloaded { retry_after_secs: u64 },
    /// Over the source address's or the key's rate (`rate_limit.rs`).
    #[error("too many requests; retry later")]
    RateLimited { retry_after_secs: u64, limit: u64 },
    /// The merchant registered more new installations this hour than its quota
    /// (`installation_quota.rs`): a leaked key must not flood the registry.
    #[error("too many new installations for this merchant this hour; retry later")]
    InstallationQuotaExceeded { retry_after_secs: u64 },
    /// PostgreSQL is unreachable and the key is not in the cache.
    #[error("API keys cannot be checked right now; retry later")]
    AuthUnavailable { retry_after_secs: u64 },
}

impl IngestError {
    /// A sink failure as the plugin sees it: always retryable.
    pub fn from_sink(e: crate::sink::SinkError, retry_after_secs: u64) -> Self {
        match e {
            crate::sink::SinkError::QueueFull => IngestError::Overloaded { retry_after_secs },
            crate::sink::SinkError::NotAcknowledged(_) => {
                IngestError::KafkaUnavailable { retry_after_secs }
            }
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            IngestError::UnsupportedMediaType => "unsupported_media_type",
            IngestError::PayloadTooLarge { .. } => "payload_too_large",
            IngestError::BodyUnreadable => "body_unreadable",
            IngestError::MissingApiKey => "missing_api_key",
            IngestError::InvalidApiKey => "invalid_api_key",
            IngestError::RevokedApiKey => "api_key_revoked",
            IngestError::MerchantMismatch => "merchant_mismatch",
            IngestError::Validation(v) => v.code.as_str(),
            IngestError::KafkaUnavailable { .. } => "kafka_unavailable",
            IngestError::Overloaded { .. } => "overloaded",
            IngestError::AuthUnavailable { .. } => "auth_unavailable",
            IngestError::RateLimited { .. } => "rate_limited",
            IngestError::InstallationQuotaExceeded { .. } => "installation_quota_exceeded",
        }
    }

    pub fn status(&self) -> StatusCode {
        use schemas::ErrorCode;
        match self {
            IngestError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            IngestError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            IngestError::BodyUnreadable => StatusCode::BAD_REQUEST,
            IngestError::MissingApiKey
            | IngestError::InvalidApiKey
            | IngestError::RevokedApiKey => StatusCode::UNAUTHORIZED,
            IngestError::MerchantMismatch => StatusCode::FORBIDDEN,
            IngestError::Validation(v) => match v.code {
                ErrorCode::InvalidJson | ErrorCode::InvalidBody => StatusCode::BAD_REQUEST,
                ErrorCode::MissingField | ErrorCode::InvalidType | ErrorCode::InvalidValue => {
                    StatusCode::UNPROCESSABLE_ENTITY
                }
            },
            IngestError::KafkaUnavailable { .. }
            | IngestError::Overloaded { .. }
            | IngestError::AuthUnavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            IngestError::RateLimited { .. } | IngestError::InstallationQuotaExceeded { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
        }
    }

    fn retry_after(&self) -> Option<u64> {
        match self {
            IngestError::KafkaUnavailable { retry_after_secs }
            | IngestError::Overloaded { retry_after_secs }
            | IngestError::AuthUnavailable { retry_after_secs }
            | IngestError::InstallationQuotaExceeded { retry_after_secs }
            | IngestError::RateLimited {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            _ => None,
        }
    }
}

impl IntoResponse for IngestError {
    fn into_response(self) -> Response {
        let field = match &self {
            IngestError::Validation(v) => v.field.clone(),
            _ => None,
        };
        let body =
            json!({"error": {"code": self.code(), "message": self.to_string(), "field": field}});
        let mut response = (self.status(), Json(body)).into_response();
        if let Some(secs) = self.retry_after() {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if let IngestError::RateLimited {
            retry_after_secs,
            limit,
        } = self
        {
            // draft-ietf-httpapi-ratelimit-headers
            let h = response.headers_mut();
            h.insert("ratelimit-limit", HeaderValue::from(limit));
            h.insert("ratelimit-remaining", HeaderValue::from(0));
            h.insert("ratelimit-reset", HeaderValue::from(retry_after_secs));
        }
        response
    }
}
