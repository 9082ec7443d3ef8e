//! One module per delivery channel, each with the same shape: a `Sender` that builds
//! the request from an `Outgoing` delivery and says whether a failure is worth
//! retrying. `senders` builds them all once at startup; the dispatcher only ever calls
//! the trait, so it knows nothing of any channel's details.

pub mod email;
pub mod slack;
pub mod sms;
pub mod webhook;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use policy::outbound::{OutboundPolicy, Target};
use sqlx::PgPool;
use store::notifications::{Channel, Outgoing};
use store::sealed::SecretBox;

use super::settings::NotifySettings;
use super::templates::{labels, NoticeContext, TemplateError, Templates};

/// What `Sender::send` returns: a boxed future, so senders can sit behind `dyn`
/// (an `async fn` in a trait cannot) without the `async-trait` crate.
pub type SendFuture<'a> = runtime::BoxFuture<'a, Result<(), SendError>>;

/// One delivery channel. A send is one attempt; retries, backoff, leases, quiet
/// hours and the delivery log are the dispatcher's.
pub trait Sender: Send + Sync {
    fn channel(&self) -> Channel;
    /// Sends `delivery`; every attempt of it carries its id (`delivery_id`) for the
    /// receiver to drop repeats.
    fn send<'a>(&'a self, delivery: &'a Outgoing) -> SendFuture<'a>;
}

/// One sender per channel the dispatcher sends on.
pub type Senders = HashMap<Channel, Arc<dyn Sender>>;

/// Builds every channel's sender from the settings: a bad template, key, token file or
/// address stops the alerter here, at startup, rather than at send time.
pub fn senders(pool: &PgPool, settings: &NotifySettings) -> anyhow::Result<Senders> {
    let templates = Arc::new(Templates::load(settings.templates_dir.as_deref())?);
    let secrets = Arc::new(Secrets(
        settings
            .secrets_key_file
            .as_deref()
            .map(SecretBox::from_file)
            .transpose()?,
    ));
    let outbound = OutboundPolicy {
        allow_internal: settings.allow_internal_targets,
    };
    let timeout = Duration::from_secs(settings.http_timeout_secs);
    let merchant_http = merchant_http_client(timeout, outbound)?;
    let all: [Arc<dyn Sender>; 4] = [
        Arc::new(email::EmailSender::new(
            pool.clone(),
            settings,
            templates.clone(),
            &secrets,
        )?),
        Arc::new(webhook::WebhookSender {
            client: merchant_http.clone(),
            outbound,
            secrets: secrets.clone(),
        }),
        Arc::new(slack::SlackSender {
            client: merchant_http,
            outbound,
            secrets,
            templates: templates.clone(),
        }),
        Arc::new(sms::SmsSender::new(
            settings,
            http_client(timeout)?,
            templates,
        )?),
    ];
    let senders: Senders = all.into_iter().map(|s| (s.channel(), s)).collect();
    // Every channel the outbox holds deliveries for must have its sender, or its
    // deliveries would wait forever.
    if let Some(missing) = Channel::dispatched().find(|c| !senders.contains_key(c)) {
        anyhow::bail!("no sender for the {missing} channel");
    }
    Ok(senders)
}

/// The key that opens merchants' sealed webhook secrets and Slack URLs, when configured.
pub struct Secrets(pub Option<SecretBox>);

impl Secrets {
    /// Opens a merchant's sealed `what`; details never carry the secret itself.
    pub fn open(&self, sealed: Option<&[u8]>, what: &str) -> Result<String, SendError> {
        let sealed =
            sealed.ok_or_else(|| SendError::Permanent(format!("merchant has no {what}")))?;
        let secrets = self.0.as_ref().ok_or_else(|| {
            SendError::Retryable("NOTIFICATION_SECRETS_KEY_FILE is not configured".into())
        })?;
        secrets.open(sealed).map_err(|_| {
            SendError::Permanent(format!("the stored {what} cannot be opened with this key"))
        })
    }
}

/// What the templates of the e-mail, Slack and SMS channels may use for a delivery.
pub fn context(o: &Outgoing, ack_url: String) -> NoticeContext {
    let (upgrade_type_label, priority_label) = labels(&o.locale, &o.upgrade_type, &o.priority);
    NoticeContext {
        merchant_name: o.merchant_name.clone(),
        site: o
            .site_host
            .clone()
            .unwrap_or_else(|| o.installation_id.to_string()),
        cms: o.cms.clone(),
        from_version: o.from_version.clone(),
        to_version: o.to_version.clone(),
        upgrade_type: o.upgrade_type.clone(),
        upgrade_type_label,
        priority: o.priority.clone(),
        priority_label,
        critical: o.critical,
        message: o.message.clone(),
        ack_url,
        reference: o.delivery_id.to_string(),
        reference_short: o.delivery_id.simple().to_string()[..8].to_owned(),
    }
}

/// A template that does not render is the template's fault: retrying cannot help.
pub fn template_error(e: TemplateError) -> SendError {
    SendError::Permanent(e.to_string())
}

/// How a send failed. Details never carry secrets, addresses or phone numbers.
#[derive(Debug, Clone, PartialEq)]
pub enum SendError {
    /// Try again later: timeouts, connection errors, 429, 5xx, SMTP 4xx.
    Retryable(String),
    /// Retrying cannot help: missing configuration, other 4xx, SMTP 5xx.
    Permanent(String),
}

/// An HTTP answer as a send outcome (shared by webhook, Slack and SMS).
pub fn http_outcome(status: reqwest::StatusCode) -> Result<(), SendError> {
    if status.is_success() {
        Ok(())
    } else if status == reqwest::StatusCode::TOO_MANY_REQUESTS
        || status == reqwest::StatusCode::REQUEST_TIMEOUT
        || status.is_server_error()
    {
        Err(SendError::Retryable(format!("receiver answered {status}")))
    } else {
        Err(SendError::Permanent(format!("receiver answered {status}")))
    }
}

/// A transport error as a send outcome. The URL is left out (a Slack URL is a secret).
pub fn transport_error(e: reqwest::Error) -> SendError {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    SendError::Retryable(format!("receiver {what}"))
}

pub fn http_client(timeout: Duration) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("plugin-telemetry-notifier/1")
        .build()
}

/// The client for merchants' URLs (webhook, Slack): every address a host name resolves
/// to is checked by `policy::outbound` when connecting, so a name that resolves inside
/// our network (now or after a DNS change) is never connected to. IP literals never
/// reach a resolver: `checked_url` refuses those before the request.
pub fn merchant_http_client(
    timeout: Duration,
    policy: OutboundPolicy,
) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("plugin-telemetry-notifier/1")
        .dns_resolver(std::sync::Arc::new(GuardedResolver { policy }))
        .build()
}

/// A merchant's URL as the policy accepts it, or a permanent failure saying why.
pub fn checked_url(
    policy: &OutboundPolicy,
    url: &str,
    target: Target,
) -> Result<String, SendError> {
    policy
        .url(url, target)
        .map(String::from)
        .map_err(|r| SendError::Permanent(format!("target refused: {r}")))
}

struct GuardedResolver {
    policy: OutboundPolicy,
}

impl GuardedResolver {
    /// The addresses of `host` the policy allows; an error naming none of them when
    /// there are none.
    async fn allowed(
        policy: OutboundPolicy,
        host: String,
    ) -> Result<Vec<std::net::SocketAddr>, Box<dyn std::error::Error + Send + Sync>> {
        let mut refused = None;
        let allowed: Vec<_> = tokio::net::lookup_host((host.as_str(), 0))
            .await?
            .filter(|a| match policy.address(a.ip()) {
                Ok(()) => true,
                Err(r) => {
                    refused = Some(r);
                    false
                }
            })
            .collect();
        match (allowed.is_empty(), refused) {
            (true, Some(r)) => Err(format!("target refused: {r}").into()),
            (true, None) => Err("the host name resolves to no address".into()),
            (false, _) => Ok(allowed),
        }
    }
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let (policy, host) = (self.policy, name.as_str().to_owned());
        Box::pin(async move {
            let addrs = Self::allowed(policy, host).await?;
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::StatusCode;

    /// Defect (issue 16.5), at connect time: a host name that resolves to loopback is
    /// refused by the resolver itself (`localhost` resolves from /etc/hosts; nothing is
    /// sent anywhere).
    #[tokio::test]
    async fn names_resolving_inside_are_refused_when_connecting() {
        let production = OutboundPolicy::default();
        let refused = GuardedResolver::allowed(production, "localhost".into()).await;
        assert!(
            refused.is_err_and(|e| e.to_string().contains("loopback")),
            "localhost was resolved for a merchant's webhook"
        );
        let dev = OutboundPolicy {
            allow_internal: true,
        };
        let allowed = GuardedResolver::allowed(dev, "localhost".into())
            .await
            .expect("dev receivers on loopback");
        assert!(allowed.iter().all(|a| a.ip().is_loopback()));
    }

    #[test]
    fn which_answers_are_retried() {
        assert_eq!(http_outcome(StatusCode::NO_CONTENT), Ok(()));
        for s in [
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::BAD_GATEWAY,
            StatusCode::REQUEST_TIMEOUT,
        ] {
            assert!(
                matches!(http_outcome(s), Err(SendError::Retryable(_))),
                "{s}"
            );
        }
        for s in [
            StatusCode::BAD_REQUEST,
            StatusCode::GONE,
            StatusCode::UNAUTHORIZED,
        ] {
            assert!(
                matches!(http_outcome(s), Err(SendError::Permanent(_))),
                "{s}"
            );
        }
    }
}
