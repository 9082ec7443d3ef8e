//! SMS through a provider's HTTP API, in a generic shape most providers offer (or a
//! small adapter in front of one): `POST <SMS_PROVIDER_URL>` with
//! `{"to": "+33…", "message": "…", "reference": "<delivery id>"}`, a bearer token read
//! from `SMS_PROVIDER_TOKEN_FILE`, and `Idempotency-Key: <delivery id>`.

use serde_json::json;
use uuid::Uuid;

use super::{http_outcome, transport_error, SendError};

pub struct SmsProvider {
    pub url: String,
    pub token: Option<String>,
}

impl SmsProvider {
    pub async fn send(
        &self,
        client: &reqwest::Client,
        to: &str,
        message: &str,
        reference: Uuid,
    ) -> Result<(), SendError> {
        let mut request = client
            .post(&self.url)
            .header("idempotency-key", reference.to_string())
            .json(&json!({"to": to, "message": message, "reference": reference}));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let r = request.send().await.map_err(transport_error)?;
        http_outcome(r.status())
    }
}
