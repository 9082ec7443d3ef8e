//! Slack: a message to the merchant's incoming-webhook URL (the URL is the credential,
//! so it is stored sealed and never logged).

use std::sync::Arc;

use policy::outbound::{OutboundPolicy, Target};
use serde_json::json;
use store::notifications::{Channel, Outgoing};

use super::{
    checked_url, context, http_outcome, template_error, transport_error, Secrets, SendError,
    SendFuture, Sender,
};
use crate::notify::templates::Templates;

/// The Slack channel: the merchant's sealed incoming-webhook URL, checked by
/// `policy::outbound` once opened (Slack's host only).
pub struct SlackSender {
    /// The client for merchants' URLs (`merchant_http_client`).
    pub client: reqwest::Client,
    pub outbound: OutboundPolicy,
    pub secrets: Arc<Secrets>,
    pub templates: Arc<Templates>,
}

impl SlackSender {
    async fn deliver(&self, o: &Outgoing) -> Result<(), SendError> {
        let url = self
            .secrets
            .open(o.slack_url_sealed.as_deref(), "Slack webhook URL")?;
        let url = checked_url(&self.outbound, &url, Target::Slack)?;
        let text = self
            .templates
            .slack(&o.locale, &context(o, String::new()))
            .map_err(template_error)?;
        post(&self.client, &url, &text, o.delivery_id).await
    }
}

impl Sender for SlackSender {
    fn channel(&self) -> Channel {
        Channel::Slack
    }

    fn send<'a>(&'a self, delivery: &'a Outgoing) -> SendFuture<'a> {
        Box::pin(self.deliver(delivery))
    }
}

/// Slack's incoming webhooks have no idempotency key; the delivery id goes along as
/// `Idempotency-Key` (and in the log) so a proxy or a later Slack API can drop a repeat.
async fn post(
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
