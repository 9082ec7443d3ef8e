//! Any JSON object as toggles: the canonical payload is valid JSON, the same bytes for
//! the same input, and carries every toggle back unchanged.
#![no_main]
use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use policy::signed::{canonical_payload, Instructions, Subject};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let toggles: BTreeMap<String, Value> = map.into_iter().collect();
    let expiries = toggles.keys().map(|k| (k.clone(), None)).collect();
    let t = chrono::DateTime::from_timestamp(1_800_000_000, 0).expect("valid time");
    let subject = Subject {
        installation_id: uuid::Uuid::nil(),
        merchant_id: uuid::Uuid::nil(),
        cms: "custom",
        plugin_version: "1.0.0",
    };
    let (upgrade, notices) = (Value::Null, Value::Array(Vec::new()));
    let instructions = Instructions {
        toggles: &toggles,
        toggle_expires_at: &expiries,
        upgrade: &upgrade,
        notices: &notices,
        poll_interval_secs: 300,
    };
    let a = canonical_payload(subject, instructions, t, t);
    let b = canonical_payload(subject, instructions, t, t);
    assert_eq!(a, b, "not deterministic");
    let back: Value = serde_json::from_str(&a).expect("valid JSON");
    let got: BTreeMap<String, Value> = back["toggles"]
        .as_object()
        .expect("toggles")
        .clone()
        .into_iter()
        .collect();
    assert_eq!(got, toggles);
});
