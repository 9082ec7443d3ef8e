//! E-mail over SMTP (lettre): text and HTML parts, the Message-ID derived from the
//! delivery id, so a retried send is recognisably the same message. Each e-mail
//! carries an acknowledgement link whose token is derived from the notice.

use std::sync::Arc;

use chrono::Utc;
use hmac::{Hmac, Mac};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncTransport, Message, Tokio1Executor};
use sha2::Sha256;
use sqlx::PgPool;
use store::notifications::{Channel, Outgoing};
use uuid::Uuid;

use super::{context, template_error, Secrets, SendError, SendFuture, Sender};
use crate::notify::settings::NotifySettings;
use crate::notify::templates::{Rendered, Templates};

/// The e-mail channel: renders the notice, stores its acknowledgement link's token
/// hash (so the api can find the notice by it), and sends through the relay.
pub struct EmailSender {
    mailer: Mailer,
    templates: Arc<Templates>,
    pool: PgPool,
    /// Keys the acknowledgement tokens (derived from the secrets key when there is one).
    ack_key: Vec<u8>,
    ack_link_days: u16,
    public_api_url: String,
}

impl EmailSender {
    pub fn new(
        pool: PgPool,
        settings: &NotifySettings,
        templates: Arc<Templates>,
        secrets: &Secrets,
    ) -> anyhow::Result<Self> {
        let ack_key = match &secrets.0 {
            Some(secrets) => secrets.derive(ACK_TOKEN_PURPOSE).to_vec(),
            None => {
                tracing::warn!("NOTIFICATION_SECRETS_KEY_FILE unset: webhook and Slack deliveries cannot open secrets, and e-mail acknowledgement links change on restart");
                rand_key()
            }
        };
        Ok(Self {
            mailer: Mailer::new(&settings.smtp_relay, &settings.smtp_from)?,
            templates,
            pool,
            ack_key,
            ack_link_days: settings.ack_link_days,
            public_api_url: settings.public_api_url.clone(),
        })
    }

    async fn deliver(&self, o: &Outgoing) -> Result<(), SendError> {
        let to = o
            .email
            .as_deref()
            .ok_or_else(|| SendError::Permanent("merchant has no e-mail address".into()))?;
        // Deterministic per delivery, so a retried e-mail carries the same link.
        let expires_at = o.delivery_created_at + chrono::Duration::days(self.ack_link_days.into());
        let token = ack_token(&self.ack_key, o.notification_id, expires_at);
        store::notifications::set_ack_token(
            &self.pool,
            o.notification_id,
            &store::secret::hash(&token),
            expires_at,
        )
        .await
        .map_err(|_| SendError::Retryable("acknowledgement token not stored".into()))?;
        let url = format!(
            "{}/api/v1/notices/ack?token={token}",
            self.public_api_url.trim_end_matches('/')
        );
        let mail = self
            .templates
            .email(&o.locale, &context(o, url))
            .map_err(template_error)?;
        self.mailer.send(to, mail, o.delivery_id).await
    }
}

impl Sender for EmailSender {
    fn channel(&self) -> Channel {
        Channel::Email
    }

    fn send<'a>(&'a self, delivery: &'a Outgoing) -> SendFuture<'a> {
        Box::pin(self.deliver(delivery))
    }
}

/// A key for this process only, when no secrets key is configured.
fn rand_key() -> Vec<u8> {
    uuid::Uuid::new_v4()
        .as_bytes()
        .iter()
        .chain(uuid::Uuid::new_v4().as_bytes())
        .copied()
        .collect()
}

/// What the acknowledgement-link key is derived for (HKDF info; changing it changes
/// every link).
const ACK_TOKEN_PURPOSE: &str = "plugin-telemetry/notice-ack-link/v1";

/// The e-mail's acknowledgement token: stable for a notice and its expiry (a retried
/// e-mail carries the same link), unguessable without the key.
pub fn ack_token(
    key: &[u8],
    notification_id: uuid::Uuid,
    expires_at: chrono::DateTime<Utc>,
) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    mac.update(b"ack:");
    mac.update(notification_id.as_bytes());
    mac.update(&expires_at.timestamp().to_be_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The SMTP side of the channel.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// `relay` is host:port of the SMTP relay (plain SMTP on a trusted network, as to
    /// a local MTA; the dev stack's sink listens on 127.0.0.1:1025).
    pub fn new(relay: &str, from: &str) -> anyhow::Result<Self> {
        let (host, port) = relay
            .rsplit_once(':')
            .ok_or_else(|| anyhow::anyhow!("SMTP_RELAY must be host:port"))?;
        let port: u16 = port
            .parse()
            .map_err(|_| anyhow::anyhow!("SMTP_RELAY port is not a number"))?;
        Ok(Self {
            transport: AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
                .port(port)
                .timeout(Some(std::time::Duration::from_secs(20)))
                .build(),
            from: from
                .parse()
                .map_err(|e| anyhow::anyhow!("SMTP_FROM {from:?}: {e}"))?,
        })
    }

    pub async fn send(&self, to: &str, mail: Rendered, reference: Uuid) -> Result<(), SendError> {
        let to: Mailbox = to.parse().map_err(|_| {
            SendError::Permanent("the merchant's e-mail address is not valid".into())
        })?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject)
            .message_id(Some(format!("<{reference}@plugin-telemetry>")))
            .multipart(MultiPart::alternative_plain_html(mail.text, mail.html))
            .map_err(|e| SendError::Permanent(format!("message not built: {e}")))?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(SendError::Permanent(format!(
                "SMTP refused: {}",
                e.status().map(|c| c.to_string()).unwrap_or_default()
            ))),
            Err(e) => Err(SendError::Retryable(if e.is_transient() {
                "SMTP deferred".to_owned()
            } else {
                "SMTP relay unreachable".to_owned()
            })),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ack_tokens_are_stable_per_notice_and_keyed() {
        let n = uuid::Uuid::new_v4();
        let at = Utc::now();
        assert_eq!(ack_token(b"k", n, at), ack_token(b"k", n, at));
        assert_ne!(ack_token(b"k", n, at), ack_token(b"other", n, at));
        assert_ne!(
            ack_token(b"k", n, at),
            ack_token(b"k", uuid::Uuid::new_v4(), at)
        );
        let later = at + chrono::Duration::days(1);
        assert_ne!(ack_token(b"k", n, at), ack_token(b"k", n, later));
    }
}
