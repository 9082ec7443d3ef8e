//! The signed payload: canonical JSON (keys sorted, no whitespace) of everything a
//! plugin acts on: the toggles, the upgrade advice (with its package URL and whether it
//! is required) and the in-app notices, bound to the facts it was computed for (the
//! installation, its merchant, CMS and plugin version) and a validity window. Plugins
//! verify the Ed25519 signature over exactly these bytes, then decode them; they never
//! re-serialise, so no two languages have to agree on a JSON encoder. A payload taken
//! from another merchant's answer, or for another version, names facts the plugin can
//! see are not its own.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

/// `toggle_expires_at` holds each toggle's own expiry (null: until revoked), so a
/// plugin switches `enable_debug` off on time even between heartbeats; `expires_at`
/// bounds the whole payload (a replayed old payload is refused).
/// What a payload is about, as the plugin itself knows it.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub installation_id: Uuid,
    pub merchant_id: Uuid,
    pub cms: &'a str,
    pub plugin_version: &'a str,
}

/// What the plugin is told to do: `upgrade` and `notices` as they appear (unsigned)
/// beside the payload in the answer, null/empty when there are none.
#[derive(Debug, Clone, Copy)]
pub struct Instructions<'a> {
    pub toggles: &'a BTreeMap<String, Value>,
    pub toggle_expires_at: &'a BTreeMap<String, Option<DateTime<Utc>>>,
    pub upgrade: &'a Value,
    pub notices: &'a Value,
    /// How often the plugin asks `GET /config` (signed: a forged answer must not be able
    /// to slow a kill switch down).
    pub poll_interval_secs: u64,
}

pub fn canonical_payload(
    subject: Subject<'_>,
    instructions: Instructions<'_>,
    issued_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> String {
    let Instructions {
        toggles,
        toggle_expires_at,
        upgrade,
        notices,
        poll_interval_secs,
    } = instructions;
    let time = |t: &DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    let per_key: BTreeMap<&String, Option<String>> = toggle_expires_at
        .iter()
        .map(|(k, t)| (k, t.as_ref().map(time)))
        .collect();
    // serde_json's map is ordered by key (no preserve_order feature), and to_string
    // writes no whitespace: the same input always gives the same bytes.
    json!({
        "installation_id": subject.installation_id,
        "merchant_id": subject.merchant_id,
        "cms": subject.cms,
        "plugin_version": subject.plugin_version,
        "upgrade": upgrade,
        "notices": notices,
        "poll_interval_secs": poll_interval_secs,
        "toggles": toggles,
        "toggle_expires_at": per_key,
        "issued_at": time(&issued_at),
        "expires_at": time(&expires_at),
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_payload_is_canonical() {
        let at = Utc.timestamp_opt(1_795_957_800, 0).single().expect("time");
        let mut toggles = BTreeMap::new();
        toggles.insert("force_update".to_owned(), json!(true));
        toggles.insert("block_plugin".to_owned(), json!({"b": 1, "a": [2, 1]}));
        let mut expiries = BTreeMap::new();
        expiries.insert("force_update".to_owned(), None);
        expiries.insert(
            "block_plugin".to_owned(),
            Some(at + chrono::Duration::minutes(30)),
        );
        let subject = Subject {
            installation_id: Uuid::nil(),
            merchant_id: Uuid::from_u128(1),
            cms: "woocommerce",
            plugin_version: "1.2.0",
        };
        let upgrade = json!({"latest_version": "1.3.0", "required": true, "package_url": "https://dl.example/p.zip"});
        let notices = json!([]);
        let p = canonical_payload(
            subject,
            Instructions {
                toggles: &toggles,
                toggle_expires_at: &expiries,
                upgrade: &upgrade,
                notices: &notices,
                poll_interval_secs: 300,
            },
            at,
            at + chrono::Duration::hours(1),
        );
        assert_eq!(
            p,
            r#"{"cms":"woocommerce","expires_at":"2026-11-29T14:10:00Z","installation_id":"00000000-0000-0000-0000-000000000000","issued_at":"2026-11-29T13:10:00Z","merchant_id":"00000000-0000-0000-0000-000000000001","notices":[],"plugin_version":"1.2.0","poll_interval_secs":300,"toggle_expires_at":{"block_plugin":"2026-11-29T13:40:00Z","force_update":null},"toggles":{"block_plugin":{"a":[2,1],"b":1},"force_update":true},"upgrade":{"latest_version":"1.3.0","package_url":"https://dl.example/p.zip","required":true}}"#
        );
    }
}
