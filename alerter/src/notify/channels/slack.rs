//! Slack: a message to the merchant's incoming-webhook URL (the URL is the credential,
//! so it is stored sealed and never logged).

use serde_json::json;

use super::{http_outcome, transport_error, SendError};

/// Slack's incoming webhooks have no idempotency key; the delivery id goes along as
/// `Idempotency-Key` (and in the log) so a proxy or a later Slack API can drop a repeat.
pub async fn send(
    client: &reqwest::Client,
    url: &str,
    text: &str,
    delivery: uuid::Uuid,
) -> Result<(), SendError> {
    let r = client
        .post(url)
        .header("idempotency-key", delivery.to_string())
        .json(&json!({"text": text}))
        .send()
        .await
        .map_err(transport_error)?;
    http_outcome(r.status())
}
