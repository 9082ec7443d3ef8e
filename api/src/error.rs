//! Every way an Ops API request can fail, and the one place that turns it into an
//! RFC 9457 `application/problem+json` response with a stable `code`.
//!
//! Also the JSON, query and id extractors, so malformed input gets the same shape as
//! every other error instead of axum's plain-text rejections.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use store::agents::Role;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("a bearer token is required: Authorization: Bearer <token>")]
    MissingToken,
    #[error("the token is not valid or its agent is disabled")]
    InvalidToken,
    #[error("this needs the {} role", .0.as_str())]
    Forbidden(Role),
    #[error("{0} not found")]
    NotFound(String),
    /// Input that parsed but is not acceptable; `field` names where.
    #[error("{message}")]
    Invalid {
        field: Option<String>,
        message: String,
    },
    #[error("{0}")]
    BadJson(String),
    #[error("Content-Type must be application/json")]
    UnsupportedMediaType,
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("{0} is unavailable; retry later")]
    Unavailable(Dependency),
    /// Too many failed authentications from this address.
    #[error("too many failed authentications from this address; retry later")]
    RateLimited { retry_after_secs: u64 },
}

/// A service the API reads from; when one cannot answer, the client gets 503 with
/// Retry-After and a code naming which (clients and runbooks match on the code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dependency {
    Postgres,
    ClickHouse,
}

impl Dependency {
    /// The stable problem code.
    pub fn code(self) -> &'static str {
        match self {
            Dependency::Postgres => "database_unavailable",
            Dependency::ClickHouse => "clickhouse_unavailable",
        }
    }
}

impl std::fmt::Display for Dependency {
    /// The name the problem's `detail` shows.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Dependency::Postgres => "PostgreSQL",
            Dependency::ClickHouse => "ClickHouse",
        })
    }
}

/// The problem document (RFC 9457) plus this API's stable `code` and the `field`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the problem type: `urn:plugin-telemetry:problem:<code>`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable, machine-readable; the same as the end of `type`.
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ApiError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        ApiError::Invalid {
            field: Some(field.to_owned()),
            message: message.into(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::MissingToken => "missing_token",
            ApiError::InvalidToken => "invalid_token",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::Invalid { .. } => "invalid_input",
            ApiError::BadJson(_) => "invalid_json",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::Conflict { code, .. } => code,
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::Unavailable(dependency) => dependency.code(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::MissingToken | ApiError::InvalidToken => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::BadJson(_) => StatusCode::BAD_REQUEST,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        // The cause goes to the log; the client learns only that it may retry.
        tracing::error!(error = %e, "PostgreSQL query failed");
        ApiError::Unavailable(Dependency::Postgres)
    }
}

impl From<clickhouse::error::Error> for ApiError {
    fn from(e: clickhouse::error::Error) -> Self {
        tracing::error!(error = %e, "ClickHouse query failed");
        ApiError::Unavailable(Dependency::ClickHouse)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let problem = Problem {
            kind: format!("urn:plugin-telemetry:problem:{}", self.code()),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: self.to_string(),
            code: self.code().to_owned(),
            field: match &self {
                ApiError::Invalid { field, .. } => field.clone(),
                _ => None,
            },
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if matches!(self, ApiError::MissingToken | ApiError::InvalidToken) {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if matches!(self, ApiError::Unavailable(_)) {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        if let ApiError::RateLimited { retry_after_secs } = self {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        response
    }
}

/// `Json<T>` whose rejections are problems: the serde message names the field.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .map_err(|_| ApiError::BadJson("could not read the request body".into()))?;
        refuse_nul_in_json(&bytes)?;
        let req = Request::from_parts(parts, axum::body::Body::from(bytes));
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Body(v)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::UnsupportedMediaType),
            Err(JsonRejection::JsonDataError(e)) => Err(ApiError::Invalid {
                field: None,
                message: e.body_text(),
            }),
            Err(e) => Err(ApiError::BadJson(e.body_text())),
        }
    }
}

/// An optional body: an empty one is `None`; anything else must be valid JSON.
impl<S: Send + Sync, T: DeserializeOwned> axum::extract::OptionalFromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Option<Self>, Self::Rejection> {
        let has_type = req.headers().contains_key(header::CONTENT_TYPE);
        let (parts, body) = req.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .map_err(|_| ApiError::BadJson("could not read the request body".into()))?;
        if bytes.is_empty() {
            return Ok(None);
        }
        if !has_type {
            return Err(ApiError::UnsupportedMediaType);
        }
        let req = Request::from_parts(parts, axum::body::Body::from(bytes));
        <Body<T> as FromRequest<S>>::from_request(req, state)
            .await
            .map(Some)
    }
}

/// `Query<T>` whose rejections are problems.
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(field) = nul_in_query(parts.uri.query().unwrap_or_default()) {
            return Err(nul_refused(&field));
        }
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Params(v)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => Err(ApiError::Invalid {
                field: None,
                message: e.body_text(),
            }),
            Err(e) => Err(ApiError::Invalid {
                field: None,
                message: e.body_text(),
            }),
        }
    }
}

/// A path id that must be a UUID.
pub fn parse_id(raw: &str, what: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::invalid("id", format!("{what} id must be a UUID")))
}

/// The keyset page boundary of a newest-first list: `before_id` only makes sense with
/// the `before` time it belongs to.
pub fn page_before(
    before: Option<chrono::DateTime<chrono::Utc>>,
    before_id: Option<Uuid>,
) -> Result<Option<store::page::Before>, ApiError> {
    match (before, before_id) {
        (None, Some(_)) => Err(ApiError::invalid(
            "before_id",
            "before_id needs the before time of the same row",
        )),
        (created_at, id) => Ok(created_at.map(|created_at| store::page::Before { created_at, id })),
    }
}

// PostgreSQL's text cannot hold NUL (U+0000): a value carrying one must be refused here,
// naming its field, or the query fails and the client would see a 503.

fn nul_refused(field: &str) -> ApiError {
    ApiError::invalid(field, format!("{field} must not contain the NUL character"))
}

/// The first query parameter (by name) whose name or value holds a NUL.
fn nul_in_query(query: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, v)| k.contains('\0') || v.contains('\0'))
        .map(|(k, _)| k.replace('\0', ""))
}

/// Refuses a JSON body holding a NUL in any string (a key or a value), naming the path
/// (`a.b[2]`). JSON can only carry one escaped, so bodies without `\u0000` pass untouched.
fn refuse_nul_in_json(bytes: &[u8]) -> Result<(), ApiError> {
    let escaped = bytes
        .windows(6)
        .any(|w| w[..2] == *b"\\u" && w[2..].iter().all(|b| *b == b'0'));
    if !escaped {
        return Ok(());
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return Ok(()); // not JSON: the extractor reports that
    };
    match nul_path(&value, String::new()) {
        Some(path) => Err(nul_refused(if path.is_empty() { "body" } else { &path })),
        None => Ok(()),
    }
}

fn nul_path(value: &serde_json::Value, at: String) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::String(s) => s.contains('\0').then_some(at),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| nul_path(v, format!("{at}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let path = if at.is_empty() {
                k.replace('\0', "")
            } else {
                format!("{at}.{}", k.replace('\0', ""))
            };
            if k.contains('\0') {
                Some(path)
            } else {
                nul_path(v, path)
            }
        }),
        _ => None,
    }
}

#[cfg(test)]
mod nul_tests {
    use super::*;

    /// Defect (issue 16.7): a NUL in a text field reached PostgreSQL, which refused it,
    /// and the client got 503 `database_unavailable`.
    #[test]
    fn a_nul_anywhere_in_the_input_is_refused_naming_its_field() {
        assert_eq!(nul_in_query("q=a%00b&limit=5").as_deref(), Some("q"));
        assert_eq!(nul_in_query("q=ab&limit=5"), None);
        assert_eq!(nul_in_query("k%00ey=1").as_deref(), Some("key"));
        let field = |body: &str| match refuse_nul_in_json(body.as_bytes()) {
            Err(ApiError::Invalid { field, .. }) => field,
            _ => None,
        };
        assert_eq!(field(r#"{"reason":"x\u0000y"}"#).as_deref(), Some("reason"));
        assert_eq!(
            field(r#"{"scope":{"hosts":["a","\u0000"]}}"#).as_deref(),
            Some("scope.hosts[1]")
        );
        assert_eq!(field(r#"{"reason":"plain"}"#), None);
        assert_eq!(field(r#"{"reason":"\\u0000 is text, not NUL"}"#), None);
        assert!(refuse_nul_in_json(br#"{"reason":"x\u0000y"}"#).is_err());
    }
}

#[cfg(test)]
mod unavailable_tests {
    use super::*;

    async fn problem(e: ApiError) -> (StatusCode, axum::http::HeaderMap, serde_json::Value) {
        let r = e.into_response();
        let (parts, body) = r.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX).await.expect("body");
        let json = serde_json::from_slice(&bytes).expect("problem json");
        (parts.status, parts.headers, json)
    }

    /// The answer when a dependency is down is part of the contract: the status, the
    /// code (per dependency), Retry-After and the texts stay what clients have seen.
    #[tokio::test]
    async fn an_unavailable_dependency_is_a_503_with_its_own_code_and_retry_after() {
        for (dependency, code, detail) in [
            (
                Dependency::Postgres,
                "database_unavailable",
                "PostgreSQL is unavailable; retry later",
            ),
            (
                Dependency::ClickHouse,
                "clickhouse_unavailable",
                "ClickHouse is unavailable; retry later",
            ),
        ] {
            let (status, headers, body) = problem(ApiError::Unavailable(dependency)).await;
            assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(headers[header::RETRY_AFTER], "5");
            assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
            assert_eq!(
                body,
                serde_json::json!({
                    "type": format!("urn:plugin-telemetry:problem:{code}"),
                    "title": "Service Unavailable",
                    "status": 503,
                    "detail": detail,
                    "code": code,
                })
            );
        }
    }

    #[test]
    fn query_failures_name_the_dependency_that_failed() {
        let pg = ApiError::from(sqlx::Error::PoolTimedOut);
        assert!(matches!(pg, ApiError::Unavailable(Dependency::Postgres)));
        let ch = ApiError::from(clickhouse::error::Error::Custom("down".into()));
        assert!(matches!(ch, ApiError::Unavailable(Dependency::ClickHouse)));
    }
}
