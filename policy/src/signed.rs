//! The signed toggles payload: canonical JSON (keys sorted, no whitespace) of the
//! installation, its toggles and the validity window. Plugins verify the Ed25519
//! signature over exactly these bytes, then decode them; they never re-serialise, so
//! no two languages have to agree on a JSON encoder.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

/// `toggle_expires_at` holds each toggle's own expiry (null: until revoked), so a
/// plugin switches `enable_debug` off on time even between heartbeats; `expires_at`
/// bounds the whole payload (a replayed old payload is refused).
pub fn canonical_payload(
    installation_id: Uuid,
    toggles: &BTreeMap<String, Value>,
    toggle_expires_at: &BTreeMap<String, Option<DateTime<Utc>>>,
    issued_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> String {
    let time = |t: &DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    let per_key: BTreeMap<&String, Option<String>> = toggle_expires_at
        .iter()
        .map(|(k, t)| (k, t.as_ref().map(time)))
        .collect();
    // serde_json's map is ordered by key (no preserve_order feature), and to_string
    // writes no whitespace: the same input always gives the same bytes.
    json!({
        "installation_id": installation_id,
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
        let p = canonical_payload(
            Uuid::nil(),
            &toggles,
            &expiries,
            at,
            at + chrono::Duration::hours(1),
        );
        assert_eq!(
            p,
            r#"{"expires_at":"2026-11-29T14:10:00Z","installation_id":"00000000-0000-0000-0000-000000000000","issued_at":"2026-11-29T13:10:00Z","toggle_expires_at":{"block_plugin":"2026-11-29T13:40:00Z","force_update":null},"toggles":{"block_plugin":{"a":[2,1],"b":1},"force_update":true}}"#
        );
    }
}
