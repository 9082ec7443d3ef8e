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

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::StatusCode;

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
