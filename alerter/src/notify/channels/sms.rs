//! SMS through a provider's HTTP API, in a generic shape most providers offer (or a
//! small adapter in front of one): `POST <SMS_PROVIDER_URL>` with
//! `{"to": "+33…", "message": "…", "reference": "<delivery id>"}`, a bearer token read
//! from `SMS_PROVIDER_TOKEN_FILE`, and `Idempotency-Key: <delivery id>`.

use std::sync::Arc;

use serde_json::json;
use store::notifications::{Channel, Outgoing};
use uuid::Uuid;

use super::{
    context, http_outcome, template_error, transport_error, SendError, SendFuture, Sender,
};
use crate::notify::settings::NotifySettings;
use crate::notify::templates::Templates;

/// The SMS channel: the provider is our configuration, so it is reached with the
/// ordinary client, not the one guarding merchants' URLs.
pub struct SmsSender {
    url: String,
    token: Option<String>,
    client: reqwest::Client,
    templates: Arc<Templates>,
}

impl SmsSender {
    /// Reads the provider's token file (a missing or unreadable file stops startup).
    pub fn new(
        settings: &NotifySettings,
        client: reqwest::Client,
        templates: Arc<Templates>,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            url: settings.sms_provider_url.clone(),
            token: settings
                .sms_provider_token_file
                .as_deref()
                .map(std::fs::read_to_string)
                .transpose()?
                .map(|t| t.trim().to_owned()),
            client,
            templates,
        })
    }

    async fn deliver(&self, o: &Outgoing) -> Result<(), SendError> {
        let to = o
            .sms_phone
            .as_deref()
            .ok_or_else(|| SendError::Permanent("merchant has no phone number".into()))?;
        let text = self
            .templates
            .sms(&o.locale, &context(o, String::new()))
            .map_err(template_error)?;
        self.post(to, &text, o.delivery_id).await
    }

    async fn post(&self, to: &str, message: &str, reference: Uuid) -> Result<(), SendError> {
        let mut request = self
            .client
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

impl Sender for SmsSender {
    fn channel(&self) -> Channel {
        Channel::Sms
    }

    fn send<'a>(&'a self, delivery: &'a Outgoing) -> SendFuture<'a> {
        Box::pin(self.deliver(delivery))
    }
}
