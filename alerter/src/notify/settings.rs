//! The notification engine's settings (env vars with documented defaults).

use std::path::PathBuf;

use clap::Args;

#[derive(Debug, Clone, Args)]
pub struct NotifySettings {
    /// Seconds between looks for due deliveries when there were none.
    #[arg(long, env = "NOTIFY_POLL_MS", default_value_t = 500)]
    pub poll_ms: u64,
    /// Deliveries sent at once, per channel.
    #[arg(long, env = "NOTIFY_CONCURRENCY", default_value_t = 4)]
    pub concurrency: usize,
    /// Deliveries started per second at most, per channel (providers' rate limits).
    #[arg(long, env = "NOTIFY_RATE_PER_SEC", default_value_t = 20.0)]
    pub rate_per_sec: f64,
    /// A claimed delivery is someone's for this long; a dispatcher that dies mid-send
    /// leaves it to be retried after it (with the same idempotency id).
    #[arg(long, env = "NOTIFY_LEASE_SECS", default_value_t = 60)]
    pub lease_secs: i64,
    /// First retry after this many seconds, doubling per attempt…
    #[arg(long, env = "NOTIFY_RETRY_BASE_SECS", default_value_t = 30)]
    pub retry_base_secs: i64,
    /// …up to this many seconds between attempts…
    #[arg(long, env = "NOTIFY_RETRY_MAX_SECS", default_value_t = 3600)]
    pub retry_max_secs: i64,
    /// …and giving up this many hours after the delivery was queued.
    #[arg(long, env = "NOTIFY_GIVE_UP_HOURS", default_value_t = 72)]
    pub give_up_hours: i64,
    /// An unacknowledged notice gets an e-mail after this many seconds…
    #[arg(
        long,
        env = "NOTIFY_ESCALATE_EMAIL_AFTER_SECS",
        default_value_t = 86_400
    )]
    pub escalate_email_after_secs: i64,
    /// …and an SMS after this many (when the merchant gave a number).
    #[arg(
        long,
        env = "NOTIFY_ESCALATE_SMS_AFTER_SECS",
        default_value_t = 259_200
    )]
    pub escalate_sms_after_secs: i64,
    /// Seconds between escalation and release-announcement passes.
    #[arg(long, env = "NOTIFY_JOBS_INTERVAL_SECS", default_value_t = 30)]
    pub jobs_interval_secs: u64,
    /// Stable releases published within this many hours are announced to the
    /// installations they leave behind (older ones are marked announced silently).
    #[arg(long, env = "NOTIFY_ANNOUNCE_WITHIN_HOURS", default_value_t = 168)]
    pub announce_within_hours: i64,
    /// One notice per installation, version and trigger within this many seconds.
    #[arg(long, env = "NOTIFICATION_THROTTLE_SECS", default_value_t = 86_400)]
    pub throttle_secs: i64,
    /// SMTP relay, host:port.
    #[arg(long, env = "SMTP_RELAY", default_value = "127.0.0.1:1025")]
    pub smtp_relay: String,
    #[arg(
        long,
        env = "SMTP_FROM",
        default_value = "Plugin updates <updates@plugin-telemetry.invalid>"
    )]
    pub smtp_from: String,
    /// The SMS provider's send endpoint (see channels/sms.rs for the request shape).
    #[arg(
        long,
        env = "SMS_PROVIDER_URL",
        default_value = "http://127.0.0.1:9097/sms"
    )]
    pub sms_provider_url: String,
    /// File holding the SMS provider's API token (never in the environment itself).
    #[arg(long, env = "SMS_PROVIDER_TOKEN_FILE")]
    pub sms_provider_token_file: Option<PathBuf>,
    /// Development only: let webhook and Slack deliveries reach loopback receivers
    /// (never set in production: merchants' URLs must not reach inside our network).
    #[arg(long, env = "NOTIFY_ALLOW_INTERNAL_TARGETS", default_value_t = false)]
    pub allow_internal_targets: bool,
    /// Days an e-mail's acknowledgement link works (counted from its delivery).
    #[arg(long, env = "NOTIFY_ACK_LINK_DAYS", default_value_t = 30)]
    pub ack_link_days: u16,
    /// Public base URL of the api, for the acknowledgement link in e-mails.
    #[arg(long, env = "PUBLIC_API_URL", default_value = "http://127.0.0.1:8081")]
    pub public_api_url: String,
    /// Key that seals merchants' webhook secrets and Slack URLs (32 bytes, base64).
    #[arg(long, env = "NOTIFICATION_SECRETS_KEY_FILE")]
    pub secrets_key_file: Option<PathBuf>,
    /// Directory of template overrides (`<locale>/<name>.hbs`), checked at startup.
    #[arg(long, env = "NOTIFY_TEMPLATES_DIR")]
    pub templates_dir: Option<PathBuf>,
    /// Seconds a webhook, Slack or SMS request may take.
    #[arg(long, env = "NOTIFY_HTTP_TIMEOUT_SECS", default_value_t = 10)]
    pub http_timeout_secs: u64,
}
