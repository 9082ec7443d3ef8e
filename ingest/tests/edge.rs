//! The rest of the plugin-facing edge, in process: rate limits and failed-auth budgets
//! per address, events, the config poll, signing keys and the internal listener.

mod helpers;

use helpers::{heartbeat_body, spawn_app, spawn_app_with};
use ingest::sink::{SinkError, TopicKind};
use serde_json::json;
use uuid::Uuid;

#[tokio::test]
async fn an_address_over_its_limit_gets_429_with_retry_after_and_ratelimit_headers() {
    let app = spawn_app_with(&["--rate-limit-per-address", "0.01:2"]).await;
    let m = app.merchant();
    let body = heartbeat_body(Uuid::new_v4(), "1.0.0");
    assert_eq!(app.heartbeat(&m.key, &body).await.status, 202);
    assert_eq!(app.heartbeat(&m.key, &body).await.status, 202);
    let r = app.heartbeat(&m.key, &body).await;
    assert_eq!((r.status, r.code()), (429, "rate_limited"));
    assert!(r.header("retry-after").is_some());
    assert_eq!(r.header("ratelimit-limit"), Some("2"));
    assert_eq!(r.header("ratelimit-remaining"), Some("0"));
    assert_eq!(app.sink.records(TopicKind::Heartbeats).len(), 2);
}

#[tokio::test]
async fn a_key_over_its_tiers_limit_is_limited_and_another_key_is_not() {
    let app = spawn_app_with(&["--rate-limit-tiers", "standard=0.01:1,enterprise=100:100"]).await;
    let small = app.merchant();
    let big = app.merchant_with_tier("enterprise");
    let body = heartbeat_body(Uuid::new_v4(), "1.0.0");
    assert_eq!(app.heartbeat(&small.key, &body).await.status, 202);
    assert_eq!(
        app.heartbeat(&small.key, &body).await.code(),
        "rate_limited"
    );
    for _ in 0..3 {
        assert_eq!(app.heartbeat(&big.key, &body).await.status, 202);
    }
}

#[tokio::test]
async fn an_address_out_of_failed_authentications_is_refused_before_any_lookup() {
    let app = spawn_app_with(&["--auth-failures-per-address", "0.01:2"]).await;
    let body = heartbeat_body(Uuid::new_v4(), "1.0.0");
    // Different guesses: a repeated one is answered from the cache of invalid keys.
    for guess in ["ptk_guess_1", "ptk_guess_2"] {
        assert_eq!(app.heartbeat(guess, &body).await.code(), "invalid_api_key");
    }
    // Even a real key is not looked up for this address any more.
    let m = app.merchant();
    let r = app.heartbeat(&m.key, &body).await;
    assert_eq!((r.status, r.code()), (429, "rate_limited"));
}

#[tokio::test]
async fn a_batch_of_events_is_accepted_whole_or_not_at_all() {
    let app = spawn_app().await;
    let m = app.merchant();
    let installation = Uuid::new_v4();
    let events: Vec<_> = (0..3)
        .map(|_| {
            json!({"event_id": Uuid::new_v4(), "type": "error", "cms": "woocommerce",
                        "installation_id": installation, "error_code": "card_declined"})
        })
        .collect();
    let r = app.event(&m.key, &json!({"events": events})).await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    assert_eq!(r.body["accepted"], 3);
    assert_eq!(app.sink.records(TopicKind::Events).len(), 3);

    app.sink
        .fail_with(Some(SinkError::NotAcknowledged("down".into())));
    let r = app.event(&m.key, &json!({"events": events})).await;
    assert_eq!((r.status, r.code()), (503, "kafka_unavailable"));
    app.sink.fail_with(None);
    let r = app
        .event(
            &m.key,
            &json!({"event_id": Uuid::new_v4(), "type": "teleported", "cms": "woocommerce"}),
        )
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert_eq!(r.field(), "type");
}

#[tokio::test]
async fn the_config_poll_answers_like_a_heartbeat_writes_nothing_and_honours_if_none_match() {
    let app = spawn_app().await;
    let m = app.merchant();
    let installation = Uuid::new_v4();
    let poll = format!(
        "{}/api/v1/plugins/config?installation_id={installation}&cms=woocommerce&plugin_version=1.0.0",
        app.url
    );
    let r = app.get(&poll, Some(&m.key)).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(
        r.body["config"]["signed_toggles"]["signature"].is_string(),
        "{:?}",
        r.body
    );
    let etag = r.header("etag").expect("etag").to_owned();
    let again = app
        .http
        .get(&poll)
        .bearer_auth(&m.key)
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("poll");
    assert_eq!(again.status().as_u16(), 304);
    assert!(app.sink.records(TopicKind::Heartbeats).is_empty());

    let missing = format!("{}/api/v1/plugins/config?cms=woocommerce", app.url);
    let r = app.get(&missing, Some(&m.key)).await;
    assert_eq!((r.status, r.field()), (422, "installation_id"));
    let r = app.get(&poll, None).await;
    assert_eq!((r.status, r.code()), (401, "missing_api_key"));
}

#[tokio::test]
async fn signing_keys_need_no_key_and_the_internal_listener_tells_readiness_and_metrics() {
    let app = spawn_app().await;
    let keys = app
        .get(&format!("{}/api/v1/plugins/signing-keys", app.url), None)
        .await;
    assert_eq!(keys.status, 200);
    assert!(
        keys.body["keys"].as_array().is_some_and(|k| !k.is_empty()),
        "{:?}",
        keys.body
    );

    assert_eq!(
        app.get(&format!("{}/healthz", app.url), None).await.status,
        200
    );
    // Readiness and metrics are not on the internet-facing listener.
    assert_eq!(
        app.get(&format!("{}/metrics", app.url), None).await.status,
        404
    );
    assert_eq!(
        app.get(&format!("{}/readyz", app.internal_url), None)
            .await
            .status,
        200
    );
    app.sink.fail_with(Some(SinkError::QueueFull));
    // Readiness is cached for a second.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(
        app.get(&format!("{}/readyz", app.internal_url), None)
            .await
            .status,
        503
    );
    let metrics = app
        .get(&format!("{}/metrics", app.internal_url), None)
        .await;
    assert_eq!(metrics.status, 200);
    assert!(
        metrics.body.as_str().is_some_and(|m| m.contains("ingest_")),
        "{:?}",
        metrics.body
    );
}
