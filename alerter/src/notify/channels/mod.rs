//! One module per delivery channel, each with the same shape: build the request from
//! an `Outgoing` delivery and say whether a failure is worth retrying.

pub mod email;
pub mod slack;
pub mod sms;
pub mod webhook;

use std::time::Duration;

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

use policy::outbound::{OutboundPolicy, Target};

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
