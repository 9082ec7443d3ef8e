//! E-mail over SMTP (lettre): text and HTML parts, the Message-ID derived from the
//! delivery id, so a retried send is recognisably the same message.

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncTransport, Message, Tokio1Executor};
use uuid::Uuid;

use super::SendError;
use crate::notify::templates::Rendered;

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
