//! The heartbeat handler's rules, in process: the order of checks, every error code a
//! plugin can get, and what a 202 carries (the record in the sink, the answer).

mod helpers;

use chrono::Utc;
use helpers::{heartbeat_body, spawn_app};
use ingest::plugin_config::PluginConfig;
use ingest::sink::{SinkError, TopicKind};
use policy::advice::{Channel, Release};
use policy::toggles::{Scope, Toggle};
use serde_json::{json, Value};
use store::api_keys::KeyStatus;
use uuid::Uuid;

const HEARTBEAT: &str = "/api/v1/plugins/heartbeat";

#[tokio::test]
async fn an_accepted_heartbeat_is_in_the_sink_keyed_by_installation_before_the_202() {
    let app = spawn_app().await;
    let m = app.merchant();
    let installation = Uuid::new_v4();
    let r = app
        .heartbeat(&m.key, &heartbeat_body(installation, "1.2.0"))
        .await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    assert_eq!(r.body["status"], "accepted");
    assert_eq!(r.body["installation_id"], installation.to_string());
    assert_eq!(r.body["next_heartbeat_in_secs"], 3600);
    assert_eq!(r.body["poll_interval_secs"], 300);
    assert!(
        r.body["signed_toggles"]["signature"].is_string(),
        "{:?}",
        r.body
    );
    let records = app.sink.records(TopicKind::Heartbeats);
    assert_eq!(records.len(), 1);
    let (key, payload) = &records[0];
    assert_eq!(key, &installation.to_string());
    let envelope: Value = serde_json::from_slice(payload).expect("envelope");
    assert_eq!(envelope["merchant_id"], m.id.to_string());
    assert_eq!(envelope["event_id"], r.body["event_id"]);
    assert!(app.sink.records(TopicKind::Events).is_empty());
}

/// Each case fails one check while every earlier check passes, so the code proves
/// the order: media type, key, body size, body, merchant, sink.
#[tokio::test]
async fn every_refusal_has_its_status_and_code_in_the_documented_order() {
    let app = spawn_app().await;
    let m = app.merchant();
    let revoked = "ptk_test_revoked";
    app.keys.insert(revoked, KeyStatus::Revoked);
    let body = heartbeat_body(Uuid::new_v4(), "1.0.0")
        .to_string()
        .into_bytes();

    // A wrong media type is refused before the key is even looked at.
    let r = app.post(HEARTBEAT, None, "text/plain", body.clone()).await;
    assert_eq!((r.status, r.code()), (415, "unsupported_media_type"));
    let r = app
        .post(HEARTBEAT, None, "application/json", body.clone())
        .await;
    assert_eq!((r.status, r.code()), (401, "missing_api_key"));
    let r = app
        .post(
            HEARTBEAT,
            Some("ptk_made_up"),
            "application/json",
            body.clone(),
        )
        .await;
    assert_eq!((r.status, r.code()), (401, "invalid_api_key"));
    let r = app
        .post(HEARTBEAT, Some(revoked), "application/json", body.clone())
        .await;
    assert_eq!((r.status, r.code()), (401, "api_key_revoked"));
    // A bad key with a huge body: the key is refused first, the body never read.
    let huge = vec![b' '; schemas::MAX_BODY_BYTES + 1];
    let r = app
        .post(
            HEARTBEAT,
            Some("ptk_made_up"),
            "application/json",
            huge.clone(),
        )
        .await;
    assert_eq!((r.status, r.code()), (401, "invalid_api_key"));
    let r = app
        .post(HEARTBEAT, Some(&m.key), "application/json", huge)
        .await;
    assert_eq!((r.status, r.code()), (413, "payload_too_large"));
    let r = app
        .post(
            HEARTBEAT,
            Some(&m.key),
            "application/json",
            b"{not json".to_vec(),
        )
        .await;
    assert_eq!((r.status, r.code()), (400, "invalid_json"));
    let r = app
        .heartbeat(
            &m.key,
            &json!({"installation_id": Uuid::new_v4(), "plugin_version": "1.0.0"}),
        )
        .await;
    assert_eq!(
        (r.status, r.code(), r.field()),
        (422, "missing_field", "cms")
    );
    let mut other_merchant = heartbeat_body(Uuid::new_v4(), "1.0.0");
    other_merchant["merchant_id"] = json!(Uuid::new_v4());
    let r = app.heartbeat(&m.key, &other_merchant).await;
    assert_eq!((r.status, r.code()), (403, "merchant_mismatch"));
    assert!(
        app.sink.records(TopicKind::Heartbeats).is_empty(),
        "nothing refused reaches the sink"
    );
    // Its own merchant id is fine.
    let mut own = heartbeat_body(Uuid::new_v4(), "1.0.0");
    own["merchant_id"] = json!(m.id);
    assert_eq!(app.heartbeat(&m.key, &own).await.status, 202);
}

#[tokio::test]
async fn a_sink_that_cannot_acknowledge_means_503_with_retry_after_never_202() {
    let app = spawn_app().await;
    let m = app.merchant();
    let body = heartbeat_body(Uuid::new_v4(), "1.0.0");
    for (failure, code) in [
        (SinkError::QueueFull, "overloaded"),
        (
            SinkError::NotAcknowledged("timeout".into()),
            "kafka_unavailable",
        ),
    ] {
        app.sink.fail_with(Some(failure));
        let r = app.heartbeat(&m.key, &body).await;
        assert_eq!((r.status, r.code()), (503, code));
        assert_eq!(r.header("retry-after"), Some("5"));
    }
    app.sink.fail_with(None);
    assert_eq!(app.heartbeat(&m.key, &body).await.status, 202);
}

#[tokio::test]
async fn an_unknown_key_while_the_key_store_is_down_is_503_but_a_known_one_keeps_working() {
    let app = spawn_app().await;
    let m = app.merchant();
    let body = heartbeat_body(Uuid::new_v4(), "1.0.0");
    assert_eq!(app.heartbeat(&m.key, &body).await.status, 202);
    app.keys.set_unavailable(true);
    let r = app.heartbeat("ptk_never_seen", &body).await;
    assert_eq!((r.status, r.code()), (503, "auth_unavailable"));
    assert!(r.header("retry-after").is_some());
    // Seen active before: served from the cache, the heartbeat is not lost.
    assert_eq!(app.heartbeat(&m.key, &body).await.status, 202);
}

#[tokio::test]
async fn the_answer_carries_the_effective_toggles_and_the_upgrade_advice() {
    let app = spawn_app().await;
    let m = app.merchant();
    let installation = Uuid::new_v4();
    let block = Toggle {
        id: Uuid::new_v4(),
        key: "block_plugin".into(),
        value: json!(true),
        scope: Scope::Installation {
            installation_id: installation,
            merchant_id: m.id,
        },
        expires_at: Some(Utc::now() + chrono::Duration::hours(1)),
        created_at: Utc::now(),
    };
    let mut fix = release("1.3.0");
    fix.security_fix = true;
    app.set_config(PluginConfig {
        toggles: vec![block.clone()],
        releases: vec![release("1.2.0"), fix],
    });
    let r = app
        .heartbeat(&m.key, &heartbeat_body(installation, "1.2.0"))
        .await;
    assert_eq!(r.status, 202);
    assert_eq!(r.body["toggles"]["block_plugin"], true);
    assert_eq!(
        r.body["toggle_details"]["block_plugin"]["toggle_id"],
        block.id.to_string()
    );
    assert_eq!(r.body["upgrade"]["latest_version"], "1.3.0");
    assert_eq!(r.body["upgrade"]["critical"], true);
    // Another installation of the same merchant is not blocked.
    let other = app
        .heartbeat(&m.key, &heartbeat_body(Uuid::new_v4(), "1.3.0"))
        .await;
    assert!(
        other.body["toggles"]["block_plugin"].is_null(),
        "{:?}",
        other.body
    );
    assert!(other.body["upgrade"].is_null());
}

#[tokio::test]
async fn a_heartbeat_id_becomes_the_record_id_so_a_retry_is_recognised_downstream() {
    let app = spawn_app().await;
    let m = app.merchant();
    let id = Uuid::new_v4();
    let mut body = heartbeat_body(Uuid::new_v4(), "1.0.0");
    body["heartbeat_id"] = json!(id);
    let first = app.heartbeat(&m.key, &body).await;
    let retry = app.heartbeat(&m.key, &body).await;
    assert_eq!(first.body["event_id"], id.to_string());
    assert_eq!(retry.body["event_id"], id.to_string());
}

fn release(version: &str) -> Release {
    Release {
        cms: "woocommerce".into(),
        version: version.into(),
        channel: Channel::Stable,
        released_at: Utc::now(),
        min_supported_version: None,
        security_fix: false,
        min_runtime_version: None,
        min_cms_version: None,
        tested_up_to: None,
        changelog: String::new(),
        package_url: None,
        yanked: false,
    }
}

/// Incident mode: a poll_interval_secs toggle shortens the interval plugins are told
/// (and that the signature covers) for its scope only.
#[tokio::test]
async fn an_incident_poll_interval_reaches_its_scope_signed_and_nobody_else() {
    let app = spawn_app().await;
    let (m, other) = (app.merchant(), app.merchant());
    app.set_config(PluginConfig {
        toggles: vec![Toggle {
            id: Uuid::new_v4(),
            key: "poll_interval_secs".into(),
            value: json!(30),
            scope: Scope::Merchant { merchant_id: m.id },
            expires_at: Some(Utc::now() + chrono::Duration::hours(2)),
            created_at: Utc::now(),
        }],
        releases: vec![],
    });
    let r = app
        .heartbeat(&m.key, &heartbeat_body(Uuid::new_v4(), "1.0.0"))
        .await;
    assert_eq!(r.body["poll_interval_secs"], 30);
    let signed: Value = serde_json::from_str(
        r.body["signed_toggles"]["payload"]
            .as_str()
            .expect("payload"),
    )
    .expect("signed payload");
    assert_eq!(signed["poll_interval_secs"], 30);
    let r = app
        .heartbeat(&other.key, &heartbeat_body(Uuid::new_v4(), "1.0.0"))
        .await;
    assert_eq!(r.body["poll_interval_secs"], 300);
}
