//! Slack: a message to the merchant's incoming-webhook URL (the URL is the credential,
//! so it is stored sealed and never logged).

use serde_json::json;

use super::{http_outcome, transport_error, SendError};

pub async fn send(client: &reqwest::Client, url: &str, text: &str) -> Result<(), SendError> {
    let r = client
        .post(url)
        .json(&json!({"text": text}))
        .send()
        .await
        .map_err(transport_error)?;
    http_outcome(r.status())
}
