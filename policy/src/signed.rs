//! The signed toggles payload: canonical JSON (keys sorted, no whitespace) of the
//! installation, its toggles and the validity window. Plugins verify the Ed25519
//! signature over exactly these bytes, then decode them; they never re-serialise, so
//! no two languages have to agree on a JSON encoder.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

pub fn canonical_payload(
    installation_id: Uuid,
    toggles: &BTreeMap<String, Value>,
    issued_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> String {
    // serde_json's map is ordered by key (no preserve_order feature), and to_string
    // writes no whitespace: the same input always gives the same bytes.
    json!({
        "installation_id": installation_id,
        "toggles": toggles,
        "issued_at": issued_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        "expires_at": expires_at.to_rfc3339_opts(SecondsFormat::Secs, true),
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
        let p = canonical_payload(Uuid::nil(), &toggles, at, at + chrono::Duration::hours(1));
        assert_eq!(
            p,
            r#"{"expires_at":"2026-11-29T14:10:00Z","installation_id":"00000000-0000-0000-0000-000000000000","issued_at":"2026-11-29T13:10:00Z","toggles":{"block_plugin":{"a":[2,1],"b":1},"force_update":true}}"#
        );
    }
}
