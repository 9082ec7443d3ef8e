//! Webhook: a JSON POST to the merchant's URL, signed so the receiver can prove it
//! came from us and is fresh.
//!
//! `X-Plugin-Telemetry-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
//! Receivers recompute the HMAC over the raw body, compare in constant time, and reject
//! a `t` more than 5 minutes from their clock (the replay window). `Webhook-Id` (the
//! delivery id) is the same on every retry: a receiver that saw it drops the repeat.

use std::sync::Arc;

use hmac::{Hmac, Mac};
use policy::outbound::{OutboundPolicy, Target};
use serde_json::json;
use sha2::Sha256;
use store::notifications::{Channel, Outgoing};

use super::{checked_url, http_outcome, transport_error, Secrets, SendError, SendFuture, Sender};

pub const SIGNATURE_HEADER: &str = "x-plugin-telemetry-signature";
pub const ID_HEADER: &str = "webhook-id";

pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    // HMAC accepts keys of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{timestamp}.{body}").as_bytes());
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

pub fn body(o: &Outgoing) -> String {
    json!({
        "id": o.delivery_id,
        "type": "plugin.upgrade_available",
        "created_at": o.delivery_created_at,
        "data": {
            "notice_id": o.notification_id,
            "installation_id": o.installation_id,
            "site_host": o.site_host,
            "cms": o.cms,
            "from_version": o.from_version,
            "to_version": o.to_version,
            "upgrade_type": o.upgrade_type,
            "priority": o.priority,
            "critical": o.critical,
            "message": o.message,
        }
    })
    .to_string()
}

/// The webhook channel: the merchant's URL (checked by `policy::outbound` here and
/// again at connect time) and their signing secret (sealed).
pub struct WebhookSender {
    /// The client for merchants' URLs (`merchant_http_client`).
    pub client: reqwest::Client,
    pub outbound: OutboundPolicy,
    pub secrets: Arc<Secrets>,
}

impl WebhookSender {
    async fn deliver(&self, o: &Outgoing) -> Result<(), SendError> {
        let secret = self
            .secrets
            .open(o.webhook_secret_sealed.as_deref(), "webhook secret")?;
        let url = o
            .webhook_url
            .as_deref()
            .ok_or_else(|| SendError::Permanent("merchant has no webhook URL".into()))?;
        let url = checked_url(&self.outbound, url, Target::Webhook)?;
        post(&self.client, o, &url, &secret).await
    }
}

impl Sender for WebhookSender {
    fn channel(&self) -> Channel {
        Channel::Webhook
    }

    fn send<'a>(&'a self, delivery: &'a Outgoing) -> SendFuture<'a> {
        Box::pin(self.deliver(delivery))
    }
}

/// Posts to `url` (the merchant's webhook URL, already checked by `policy::outbound`).
async fn post(
    client: &reqwest::Client,
    o: &Outgoing,
    url: &str,
    secret: &str,
) -> Result<(), SendError> {
    let body = body(o);
    let sig = signature(secret, chrono::Utc::now().timestamp(), &body);
    let r = client
        .post(url)
        .header("content-type", "application/json")
        .header(ID_HEADER, o.delivery_id.to_string())
        .header(SIGNATURE_HEADER, sig)
        .body(body)
        .send()
        .await
        .map_err(transport_error)?;
    http_outcome(r.status())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_of_timestamp_dot_body() {
        // Computed independently: printf '1700000000.{}' | openssl dgst -sha256 -hmac whsec_test
        assert_eq!(
            signature("whsec_test", 1_700_000_000, "{}"),
            "t=1700000000,v1=35495024f4ef3f94e5a93e22221544c4b75e9a42300cd965ab81cb85cd994e91"
        );
    }
}
