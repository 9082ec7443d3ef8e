//! `POST /api/v1/plugins/event`: typed plugin events, one or a batch, each with the
//! plugin's idempotency id (`event_id`), so a retried POST is stored once.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::error::ValidationError;
use crate::fields::{flat_map, host, invalid, json_object, uuid_field, wrong_type, Fields};
use crate::heartbeat::known_cms;

/// Events per request at most; a plugin flushing a bigger backlog sends several.
pub const MAX_EVENTS_PER_BATCH: usize = 100;
/// Largest accepted event request (a full batch of events with messages).
pub const MAX_EVENT_BODY_BYTES: usize = 256 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    Error,
    Activation,
    Deactivation,
    Uninstalled,
    UpgradeStarted,
    UpgradeSucceeded,
    UpgradeFailed,
    ToggleApplied,
    NoticeAcknowledged,
}

impl EventType {
    pub const ALL: [EventType; 9] = [
        EventType::Error,
        EventType::Activation,
        EventType::Deactivation,
        EventType::Uninstalled,
        EventType::UpgradeStarted,
        EventType::UpgradeSucceeded,
        EventType::UpgradeFailed,
        EventType::ToggleApplied,
        EventType::NoticeAcknowledged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Error => "error",
            EventType::Activation => "activation",
            EventType::Deactivation => "deactivation",
            EventType::Uninstalled => "uninstalled",
            EventType::UpgradeStarted => "upgrade_started",
            EventType::UpgradeSucceeded => "upgrade_succeeded",
            EventType::UpgradeFailed => "upgrade_failed",
            EventType::ToggleApplied => "toggle_applied",
            EventType::NoticeAcknowledged => "notice_acknowledged",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// A validated event, as carried in the Kafka envelope (whose `event_id` is the
/// plugin's idempotency id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    #[serde(rename = "type")]
    pub kind: EventType,
    pub installation_id_derived: bool,
    pub cms: String,
    pub site_host: Option<String>,
    pub plugin_version: Option<String>,
    /// The plugin's clock: only used clamped (see `window::event_time`).
    pub occurred_at: Option<DateTime<Utc>>,
    pub error_code: Option<String>,
    pub message: Option<String>,
    pub from_version: Option<String>,
    pub to_version: Option<String>,
    pub toggle_key: Option<String>,
    pub notice_id: Option<String>,
    pub data: BTreeMap<String, String>,
}

/// One validated event before ingest binds it to the key's merchant.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRequest {
    pub event_id: Uuid,
    pub merchant_id: Option<Uuid>,
    pub installation_id: Option<Uuid>,
    pub event: Event,
}

impl EventRequest {
    /// Parses a body holding one event object or `{"events": [...]}`. The batch is
    /// all or nothing: one invalid event refuses the request, naming it (`events[3].type`).
    pub fn parse_batch(body: &[u8]) -> Result<Vec<Self>, ValidationError> {
        let map = json_object(body)?;
        let Some(events) = map.get("events") else {
            return Ok(vec![Self::from_map(&map)?]);
        };
        let events = events
            .as_array()
            .ok_or_else(|| wrong_type("events", "an array"))?;
        if events.is_empty() || events.len() > MAX_EVENTS_PER_BATCH {
            return Err(invalid(
                "events",
                format!("events must hold 1 to {MAX_EVENTS_PER_BATCH} events"),
            ));
        }
        let mut out = Vec::with_capacity(events.len());
        for (i, e) in events.iter().enumerate() {
            let prefix = |mut err: ValidationError| {
                err.field = Some(match err.field {
                    Some(f) => format!("events[{i}].{f}"),
                    None => format!("events[{i}]"),
                });
                err
            };
            let map = e
                .as_object()
                .ok_or_else(|| prefix(wrong_type("", "an object")))?;
            out.push(Self::from_map(map).map_err(prefix)?);
        }
        let mut ids: Vec<Uuid> = out.iter().map(|e| e.event_id).collect();
        ids.sort_unstable();
        if ids.windows(2).any(|w| w[0] == w[1]) {
            return Err(invalid("events", "event_id must be unique within a batch"));
        }
        Ok(out)
    }

    fn from_map(map: &Map<String, Value>) -> Result<Self, ValidationError> {
        let f = Fields::new(map);
        let event_id =
            uuid_field(&f, "event_id")?.ok_or_else(|| crate::fields::missing("event_id"))?;
        let kind_raw = f.required_str("type", 32)?;
        let kind = EventType::parse(&kind_raw.to_ascii_lowercase()).ok_or_else(|| {
            let names: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
            invalid("type", format!("type must be one of {}", names.join(", ")))
        })?;
        let cms = known_cms(f.required_str("cms", 32)?)?;
        let installation_id = uuid_field(&f, "installation_id")?;
        let occurred_at = f
            .opt_str(&["occurred_at"], 64)?
            .map(|s| {
                DateTime::parse_from_rfc3339(s)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|_| {
                        invalid("occurred_at", "occurred_at must be an RFC 3339 timestamp")
                    })
            })
            .transpose()?;
        Ok(Self {
            event_id,
            merchant_id: uuid_field(&f, "merchant_id")?,
            installation_id,
            event: Event {
                kind,
                installation_id_derived: installation_id.is_none(),
                cms,
                site_host: f.opt_str(&["site_host"], 253)?.map(host).transpose()?,
                plugin_version: f.opt_string(&["plugin_version"], 64)?,
                occurred_at,
                error_code: f.opt_string(&["error_code"], 128)?,
                message: f.opt_string(&["message"], 1024)?,
                from_version: f.opt_string(&["from_version"], 64)?,
                to_version: f.opt_string(&["to_version"], 64)?,
                toggle_key: f.opt_string(&["toggle_key"], 64)?,
                notice_id: f.opt_string(&["notice_id"], 64)?,
                data: flat_map("data", f.opt_object("data")?)?,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use serde_json::json;

    fn one(v: Value) -> Result<Vec<EventRequest>, ValidationError> {
        EventRequest::parse_batch(v.to_string().as_bytes())
    }

    #[test]
    fn accepts_one_event_or_a_batch() {
        let e = json!({"event_id": "0b7d6a1e-4f0c-4b8e-9a57-3d2f1c0e9b8a", "type": "error",
            "cms": "woocommerce", "error_code": "card_declined", "occurred_at": "2026-11-29T10:00:00Z",
            "data": {"gateway": "molam", "attempt": 2}});
        let single = one(e.clone()).expect("single");
        assert_eq!(single.len(), 1);
        assert_eq!(single[0].event.kind, EventType::Error);
        assert_eq!(single[0].event.data["attempt"], "2");
        let mut second = e.clone();
        second["event_id"] = json!("1b7d6a1e-4f0c-4b8e-9a57-3d2f1c0e9b8a");
        second["type"] = json!("Upgrade_Succeeded");
        let batch = one(json!({"events": [e, second]})).expect("batch");
        assert_eq!(batch[1].event.kind, EventType::UpgradeSucceeded);
    }

    #[test]
    fn refuses_bad_events_naming_them() {
        let ok = json!({"event_id": "0b7d6a1e-4f0c-4b8e-9a57-3d2f1c0e9b8a", "type": "activation", "cms": "magento"});
        let mut no_id = ok.clone();
        no_id.as_object_mut().expect("object").remove("event_id");
        let mut bad_type = ok.clone();
        bad_type["type"] = json!("explosion");
        let too_many: Vec<Value> = (0..101).map(|_| ok.clone()).collect();
        let cases: Vec<(Value, ErrorCode, &str)> = vec![
            (no_id, ErrorCode::MissingField, "event_id"),
            (bad_type.clone(), ErrorCode::InvalidValue, "type"),
            (
                json!({"events": [ok.clone(), bad_type]}),
                ErrorCode::InvalidValue,
                "events[1].type",
            ),
            (
                json!({"events": [ok.clone(), 7]}),
                ErrorCode::InvalidType,
                "events[1].",
            ),
            (json!({"events": []}), ErrorCode::InvalidValue, "events"),
            (
                json!({"events": too_many}),
                ErrorCode::InvalidValue,
                "events",
            ),
            (
                json!({"events": [ok.clone(), ok]}),
                ErrorCode::InvalidValue,
                "events",
            ),
            (json!({"events": "x"}), ErrorCode::InvalidType, "events"),
        ];
        for (body, code, field) in cases {
            let err = one(body.clone()).expect_err("refused");
            assert_eq!(
                (err.code, err.field.as_deref()),
                (code, Some(field)),
                "{body}"
            );
        }
    }
}
