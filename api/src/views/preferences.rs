//! A merchant's notification preferences.

use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A merchant's notification preferences as Ops see them: secrets and the phone
/// number are never shown, only whether they are set.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Preferences {
    pub merchant_id: Uuid,
    pub channels: Vec<String>,
    pub quiet_hours_start: Option<i16>,
    pub quiet_hours_end: Option<i16>,
    /// IANA name, e.g. Europe/Paris: quiet hours are in this zone.
    pub timezone: String,
    pub webhook_url: Option<String>,
    pub webhook_secret_set: bool,
    pub slack_webhook_set: bool,
    pub sms_phone_set: bool,
    pub escalate: bool,
}

impl From<store::notifications::Preferences> for Preferences {
    fn from(p: store::notifications::Preferences) -> Self {
        Self {
            merchant_id: p.merchant_id,
            // Channel names, as the API has always listed them.
            channels: p.channels.iter().map(|c| c.as_str().to_owned()).collect(),
            quiet_hours_start: p.quiet_hours_start,
            quiet_hours_end: p.quiet_hours_end,
            timezone: p.timezone,
            webhook_url: p.webhook_url,
            webhook_secret_set: p.webhook_secret_set,
            slack_webhook_set: p.slack_webhook_set,
            sms_phone_set: p.sms_phone_set,
            escalate: p.escalate,
        }
    }
}
