//! `POST /api/v1/plugins/heartbeat`: the body plugins send and its validated form.
//!
//! Two bodies are accepted: the original contract's legacy body `{merchant_id, cms,
//! plugin_version, sdk_language, errors_last_hour}` (with its optional `php_version`,
//! `wordpress_version`, `environment`, `server_info`) and the full one (installation_id,
//! site_host, cms_version, runtime_version, requests_last_hour, last_error_code, sent_at).
//! Unknown fields are ignored so that newer plugins keep working against older servers.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::error::ValidationError;
use crate::fields::{flat_map, host, invalid, json_object, token, uuid_field, Fields};
use crate::version;

/// Largest accepted body; larger ones get 413 before any parsing.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// CMS values the platform ships plugins for (the original contract's list).
pub const KNOWN_CMS: &[&str] = &[
    "woocommerce",
    "prestashop",
    "magento",
    "shopify",
    "noncms",
    "custom",
];
/// A CMS name as sent (any case) → its canonical lowercase form, or `invalid_value`.
pub fn known_cms(raw: &str) -> Result<String, ValidationError> {
    let cms = raw.trim().to_ascii_lowercase();
    if KNOWN_CMS.contains(&cms.as_str()) {
        Ok(cms)
    } else {
        Err(invalid(
            "cms",
            format!("cms must be one of {}", KNOWN_CMS.join(", ")),
        ))
    }
}

pub const ENVIRONMENTS: &[&str] = &["production", "staging", "development", "test"];

const MAX_VERSION_LEN: usize = 64;
const MAX_HOST_LEN: usize = 253;
/// Per-hour counters above this are not a plugin's real traffic but a bug or an attack.
const MAX_HOURLY_COUNT: u64 = 1_000_000_000;

/// A validated heartbeat, as carried in the Kafka envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Heartbeat {
    /// True when ingest derived the installation id (the plugin sent none).
    pub installation_id_derived: bool,
    pub cms: String,
    pub cms_version: Option<String>,
    /// Stored as sent, even when it does not parse (see `plugin_version_valid`).
    pub plugin_version: String,
    pub plugin_version_valid: bool,
    pub sdk_language: Option<String>,
    pub runtime_version: Option<String>,
    pub site_host: Option<String>,
    pub environment: String,
    pub requests_last_hour: Option<u64>,
    /// A number, not an integer: plugins sending the legacy body send values like 0.5.
    pub errors_last_hour: f64,
    pub last_error_code: Option<String>,
    pub server_info: BTreeMap<String, String>,
    /// The plugin's clock: informative only, never trusted for ordering.
    pub sent_at: Option<DateTime<Utc>>,
    /// The envelope's event id is the plugin's `heartbeat_id`, which a retry carries
    /// again (a 503 can come after Kafka stored the first copy): the aggregator counts
    /// only the first copy.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub idempotent: bool,
}

impl Heartbeat {
    /// Errors per 100 requests over the plugin's last hour; 0 when it reported no
    /// requests (an idle shop is not a failing one). Capped at 100 because a plugin
    /// counting retries can report more errors than requests.
    pub fn error_rate_percent(&self) -> f64 {
        match self.requests_last_hour {
            Some(requests) if requests > 0 => {
                (100.0 * self.errors_last_hour / requests as f64).min(100.0)
            }
            _ => 0.0,
        }
    }
}

/// A heartbeat body after validation, before ingest binds it to the API key's merchant.
#[derive(Debug, Clone, PartialEq)]
pub struct HeartbeatRequest {
    /// The body's merchant, which must equal the key's when present.
    pub merchant_id: Option<Uuid>,
    pub installation_id: Option<Uuid>,
    /// The plugin's idempotency id for this heartbeat (the same on every retry).
    pub heartbeat_id: Option<Uuid>,
    pub heartbeat: Heartbeat,
}

impl HeartbeatRequest {
    /// Parses and validates a body. Every failure names its field and a stable code.
    pub fn parse(body: &[u8]) -> Result<Self, ValidationError> {
        let map = json_object(body)?;
        Self::from_map(&map)
    }

    fn from_map(map: &Map<String, Value>) -> Result<Self, ValidationError> {
        let f = Fields::new(map);
        let merchant_id = uuid_field(&f, "merchant_id")?;
        let installation_id = uuid_field(&f, "installation_id")?;
        let heartbeat_id = uuid_field(&f, "heartbeat_id")?;

        let cms = known_cms(f.required_str("cms", 32)?)?;
        let plugin_version = f
            .required_str("plugin_version", MAX_VERSION_LEN)?
            .to_owned();
        let plugin_version_valid = version::parse_lenient(&plugin_version).is_some();

        let environment = match f.opt_str(&["environment"], 16)? {
            None => "production".to_owned(),
            Some(e) => {
                let e = e.to_ascii_lowercase();
                if !ENVIRONMENTS.contains(&e.as_str()) {
                    return Err(invalid(
                        "environment",
                        format!("environment must be one of {}", ENVIRONMENTS.join(", ")),
                    ));
                }
                e
            }
        };

        let sdk_language = f
            .opt_str(&["sdk_language"], 32)?
            .map(|s| token("sdk_language", s))
            .transpose()?;
        let site_host = f
            .opt_str(&["site_host"], MAX_HOST_LEN)?
            .map(host)
            .transpose()?;
        let sent_at = f
            .opt_str(&["sent_at"], 64)?
            .map(|s| {
                DateTime::parse_from_rfc3339(s)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|_| invalid("sent_at", "sent_at must be an RFC 3339 timestamp"))
            })
            .transpose()?;

        Ok(Self {
            merchant_id,
            installation_id,
            heartbeat_id,
            heartbeat: Heartbeat {
                installation_id_derived: installation_id.is_none(),
                cms,
                cms_version: f
                    .opt_string(&["cms_version", "wordpress_version"], MAX_VERSION_LEN)?,
                plugin_version,
                plugin_version_valid,
                sdk_language,
                runtime_version: f.opt_string(
                    &["runtime_version", "php_version", "node_version"],
                    MAX_VERSION_LEN,
                )?,
                site_host,
                environment,
                requests_last_hour: f.opt_u64("requests_last_hour", MAX_HOURLY_COUNT)?,
                errors_last_hour: f
                    .opt_f64("errors_last_hour", MAX_HOURLY_COUNT as f64)?
                    .unwrap_or(0.0),
                last_error_code: f.opt_string(&["last_error_code"], 128)?,
                server_info: flat_map("server_info", f.opt_object("server_info")?)?,
                sent_at,
                idempotent: heartbeat_id.is_some(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use serde_json::json;

    fn parse(v: Value) -> Result<HeartbeatRequest, ValidationError> {
        HeartbeatRequest::parse(v.to_string().as_bytes())
    }

    /// The legacy body as the original contract's README shows it, with a real UUID for
    /// its "uuid" placeholder.
    fn legacy_body() -> Value {
        json!({
          "merchant_id": "0b7d6a1e-4f0c-4b8e-9a57-3d2f1c0e9b8a",
          "cms": "woocommerce",
          "plugin_version": "1.3.5",
          "sdk_language": "php",
          "errors_last_hour": 0.5,
          "environment": "production",
          "php_version": "8.1.0",
          "wordpress_version": "6.4",
          "server_info": {
            "server_software": "Apache/2.4.56",
            "max_execution_time": "300",
            "memory_limit": "256M"
          }
        })
    }

    #[test]
    fn accepts_the_legacy_body_and_maps_its_aliases() {
        let r = parse(legacy_body()).expect("legacy body is valid");
        assert!(r.merchant_id.is_some());
        assert!(r.installation_id.is_none());
        let h = r.heartbeat;
        assert!(h.installation_id_derived);
        assert_eq!(h.cms, "woocommerce");
        assert_eq!(h.cms_version.as_deref(), Some("6.4"));
        assert_eq!(h.runtime_version.as_deref(), Some("8.1.0"));
        assert_eq!(h.errors_last_hour, 0.5);
        assert!(h.plugin_version_valid);
        assert_eq!(h.server_info["memory_limit"], "256M");
    }

    #[test]
    fn accepts_the_legacy_minimal_body() {
        let r = parse(
            json!({"merchant_id": "0b7d6a1e-4f0c-4b8e-9a57-3d2f1c0e9b8a",
            "cms": "prestashop", "plugin_version": "2.1.0", "sdk_language": "php",
            "errors_last_hour": 3}),
        )
        .expect("legacy body is valid");
        assert_eq!(r.heartbeat.environment, "production");
        assert_eq!(r.heartbeat.errors_last_hour, 3.0);
    }

    #[test]
    fn accepts_the_full_body() {
        let r = parse(json!({
            "installation_id": "5f0e8d2c-1b3a-4c5d-8e7f-9a0b1c2d3e4f",
            "cms": "Magento", "cms_version": "2.4.6", "plugin_version": "v3.0",
            "sdk_language": "PHP", "runtime_version": "8.2.1", "site_host": "Shop.Example.com",
            "environment": "staging", "requests_last_hour": 1200, "errors_last_hour": 12,
            "last_error_code": "card_declined", "sent_at": "2026-11-29T10:00:00+01:00"
        }))
        .expect("full body is valid");
        let h = r.heartbeat;
        assert!(!h.installation_id_derived);
        assert_eq!(h.cms, "magento");
        assert_eq!(h.sdk_language.as_deref(), Some("php"));
        assert_eq!(h.site_host.as_deref(), Some("shop.example.com"));
        assert_eq!(h.requests_last_hour, Some(1200));
        assert_eq!(
            h.sent_at.map(|t| t.to_rfc3339()).as_deref(),
            Some("2026-11-29T09:00:00+00:00")
        );
    }

    #[test]
    fn an_unparsable_version_is_kept_and_flagged() {
        let mut b = legacy_body();
        b["plugin_version"] = json!("nightly-build");
        let h = parse(b).expect("still accepted").heartbeat;
        assert_eq!(h.plugin_version, "nightly-build");
        assert!(!h.plugin_version_valid);
    }

    #[test]
    fn refuses_bad_input_with_code_and_field() {
        let long = "x".repeat(65);
        let cases: Vec<(Value, ErrorCode, Option<&str>)> = vec![
            (json!([1, 2]), ErrorCode::InvalidBody, None),
            (
                json!({"cms": "woocommerce"}),
                ErrorCode::MissingField,
                Some("plugin_version"),
            ),
            (
                json!({"plugin_version": "1.0.0"}),
                ErrorCode::MissingField,
                Some("cms"),
            ),
            (
                json!({"cms": 7, "plugin_version": "1.0.0"}),
                ErrorCode::InvalidType,
                Some("cms"),
            ),
            (
                json!({"cms": "joomla", "plugin_version": "1.0.0"}),
                ErrorCode::InvalidValue,
                Some("cms"),
            ),
            (
                json!({"cms": "shopify", "plugin_version": long}),
                ErrorCode::InvalidValue,
                Some("plugin_version"),
            ),
            (
                json!({"cms": "shopify", "plugin_version": "1", "merchant_id": "nope"}),
                ErrorCode::InvalidValue,
                Some("merchant_id"),
            ),
            (
                json!({"cms": "shopify", "plugin_version": "1", "installation_id": 5}),
                ErrorCode::InvalidType,
                Some("installation_id"),
            ),
            (
                json!({"cms": "shopify", "plugin_version": "1", "errors_last_hour": "many"}),
                ErrorCode::InvalidType,
                Some("errors_last_hour"),
            ),
            (
                json!({"cms": "shopify", "plugin_version": "1", "errors_last_hour": -1}),
                ErrorCode::InvalidValue,
                Some("errors_last_hour"),
            ),
            (
                json!({"cms": "shopify", "plugin_version": "1", "requests_last_hour": 1.5}),
                ErrorCode::InvalidType,
                Some("requests_last_hour"),
            ),
            (
                json!({"cms": "shopify", "plugin_version": "1", "environment": "prod"}),
                ErrorCode::InvalidValue,
                Some("environment"),
            ),
            (
                json!({"cms": "shopify", "plugin_version": "1", "site_host": "https://a.b/x"}),
                ErrorCode::InvalidValue,
                Some("site_host"),
            ),
            (
                json!({"cms": "shopify", "plugin_version": "1", "sent_at": "yesterday"}),
                ErrorCode::InvalidValue,
                Some("sent_at"),
            ),
            (
                json!({"cms": "shopify", "plugin_version": "1\u{0}"}),
                ErrorCode::InvalidValue,
                Some("plugin_version"),
            ),
            (
                json!({"cms": "shopify", "plugin_version": "1", "server_info": {"env": {"a": 1}}}),
                ErrorCode::InvalidType,
                Some("server_info.env"),
            ),
            (
                json!({"cms": "shopify", "plugin_version": "1", "server_info": "x"}),
                ErrorCode::InvalidType,
                Some("server_info"),
            ),
        ];
        for (body, code, field) in cases {
            let err = parse(body.clone()).expect_err(&format!("{body} must be refused"));
            assert_eq!(
                (err.code, err.field.as_deref()),
                (code, field),
                "{body}: {}",
                err.message
            );
        }
    }

    #[test]
    fn error_rate_is_per_hundred_requests_and_capped() {
        let mut h = parse(legacy_body()).expect("valid").heartbeat;
        let cases = [
            (None, 5.0, 0.0),
            (Some(0), 5.0, 0.0),
            (Some(200), 5.0, 2.5),
            (Some(10), 50.0, 100.0),
        ];
        for (requests, errors, want) in cases {
            h.requests_last_hour = requests;
            h.errors_last_hour = errors;
            assert_eq!(h.error_rate_percent(), want, "{requests:?} {errors}");
        }
    }

    /// The JSON Schema given to plugin authors says what the validator does.
    #[test]
    fn the_published_json_schema_matches_the_validator() {
        let schema: Value = serde_json::from_str(include_str!("../json-schema/heartbeat.v1.json"))
            .expect("schema is JSON");
        let props = schema["properties"].as_object().expect("properties");
        let enum_of = |name: &str| -> Vec<String> {
            props[name]["enum"]
                .as_array()
                .expect("enum")
                .iter()
                .map(|v| v.as_str().unwrap_or_default().to_owned())
                .collect()
        };
        assert_eq!(enum_of("cms"), KNOWN_CMS);
        assert_eq!(enum_of("environment"), ENVIRONMENTS);
        assert_eq!(schema["required"], json!(["cms", "plugin_version"]));
        // Every property the schema documents is read by the parser: a body using all
        // of them with valid values is accepted.
        let full = json!({
            "merchant_id": "0b7d6a1e-4f0c-4b8e-9a57-3d2f1c0e9b8a",
            "installation_id": "5f0e8d2c-1b3a-4c5d-8e7f-9a0b1c2d3e4f",
            "heartbeat_id": "9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f",
            "cms": "shopify", "cms_version": "1", "wordpress_version": "6.4", "plugin_version": "1.0.0",
            "sdk_language": "node", "runtime_version": "20.1", "php_version": "8.2", "node_version": "20",
            "site_host": "a.example:8443", "environment": "test", "requests_last_hour": 5,
            "errors_last_hour": 1.5, "last_error_code": "x", "server_info": {"a": 1},
            "sent_at": "2026-11-29T10:00:00Z"
        });
        let documented: std::collections::BTreeSet<&String> = props.keys().collect();
        let used: std::collections::BTreeSet<&String> =
            full.as_object().expect("object").keys().collect();
        assert_eq!(documented, used);
        parse(full).expect("every documented property is accepted");
    }

    #[test]
    fn malformed_json_is_invalid_json() {
        let err = HeartbeatRequest::parse(b"{\"cms\": ").expect_err("refused");
        assert_eq!(err.code, ErrorCode::InvalidJson);
    }
}
