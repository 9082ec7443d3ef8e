//! Upgrade notices and their outbox. A notice and one delivery row per channel the
//! merchant chose are written in one transaction with the audit row, so a decision to
//! notify is never lost and never half-made; the alerter's dispatcher delivers them.
//!
//! One module per concern; everything is re-exported here, so callers keep using
//! `store::notifications::<item>`:
//! - `channel`: the channels a notice goes out on;
//! - `notices`: writing, listing and acknowledging notices (every acknowledgement,
//!   whether from the API, an e-mail link or a plugin, goes through `acknowledge_many`);
//! - `in_app`: the notices ingest returns to plugins in heartbeat answers;
//! - `preferences`: merchants' notification preferences;
//! - `outbox`: deliveries, their claims, outcomes, log and escalation;
//! - `announcements`: notices for the installations a new release leaves behind.

mod announcements;
mod channel;
mod in_app;
mod notices;
mod outbox;
mod preferences;

pub use announcements::{
    announce_to_group, behind_release, mark_announced, unannounced_releases, BehindGroup,
};
pub use channel::{Channel, UnknownChannel};
pub use in_app::{
    installations_with_notices, notices_changed_since, unacknowledged_for, InAppNotice,
};
pub use notices::{
    acknowledge, acknowledge_by_token, acknowledge_many, enqueue, get, list, set_ack_token,
    Acknowledgement, Acknowledger, Enqueued, NewNotice, Notice, NoticeFilter, TokenAck, Trigger,
};
pub use outbox::{
    claim_due, delivery_log, escalate, record, Attempt, Delivery, Outcome, Outgoing, Recorded,
};
pub use preferences::{
    preferences, set_preferences, valid_timezone, Preferences, PreferencesUpdate,
};

/// A policy enum's wire name (its serde form), as the notices table stores it.
fn name<T: serde::Serialize>(v: T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}
